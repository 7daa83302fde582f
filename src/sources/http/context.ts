import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics/index.ts';
import type { DocumentOutcome, DocumentSource } from '../../pipeline/task.ts';
import { decodedBody } from './body.ts';
import type { HttpSourcesConfig } from './config.ts';

/** What an endpoint sees of the pipeline. */
export interface DocumentIntake {
  readonly full: boolean;
  submitDocuments(source: DocumentSource, documents: readonly Uint8Array[], peer: string): Promise<DocumentOutcome[]>;
}

export interface HttpSourceContext {
  config: HttpSourcesConfig;
  intake: DocumentIntake;
  metrics: Metrics;
  logger: Logger;
}

/** Seconds a backpressured sender is asked to wait; Firehose and Pub/Sub retry on their own schedule anyway. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The request body with Content-Encoding undone, or undefined after answering
 * the request with the reason (413 too large, 415 encoding, 400 corrupt).
 */
export async function bodyOf(
  request: FastifyRequest,
  context: HttpSourceContext,
  fail: (status: number, message: string) => FastifyReply,
): Promise<Buffer | undefined> {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const encoding = request.headers['content-encoding'];
  const decoded = await decodedBody(raw, typeof encoding === 'string' ? encoding : undefined, context.config.maxDecompressedBytes);
  if (!decoded.ok) {
    await fail(decoded.status, decoded.message);
    return undefined;
  }
  return decoded.bytes;
}

/** Totals over the documents of one request. */
export function summary(outcomes: readonly DocumentOutcome[]): { records: number; accepted: number; skipped: number; rejected: number; errors: string[] } {
  const total = { records: 0, accepted: 0, skipped: 0, rejected: 0, errors: [] as string[] };
  for (const outcome of outcomes) {
    total.records += outcome.records;
    total.accepted += outcome.accepted;
    total.skipped += outcome.skipped;
    total.rejected += outcome.rejected.length;
    if (outcome.error !== undefined) total.errors.push(outcome.error);
  }
  return total;
}
