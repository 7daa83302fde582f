import type { FastifyInstance } from 'fastify';
import { bearerEndpoint } from './bearer-endpoint.ts';
import { ndjsonLines } from './body.ts';
import type { HttpSourceContext } from './context.ts';

const WHITESPACE = new Set([0x20, 0x0a, 0x0d, 0x09]);

/** GCP LogEntry objects as a JSON array (one document), or one per line (NDJSON): log sink exports and replays. */
export function logEntriesEndpoint(app: FastifyInstance, context: HttpSourceContext): void {
  bearerEndpoint(app, context, {
    path: '/v1/gcp/logentries',
    source: 'gcp_audit',
    noun: 'entries',
    documentsOf: (body) => (body.find((byte) => !WHITESPACE.has(byte)) === 0x5b ? [body] : ndjsonLines(body)),
  });
}
