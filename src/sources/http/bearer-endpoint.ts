import type { FastifyInstance } from 'fastify';
import type { DocumentSource } from '../../pipeline/task.ts';
import { bearerOf, oneOf } from './auth.ts';
import { bodyOf, RETRY_AFTER_SECONDS, summary, type HttpSourceContext } from './context.ts';

export interface BearerEndpoint {
  path: string;
  source: DocumentSource;
  /** What the body holds: one document or several (NDJSON). */
  documentsOf: (body: Buffer, contentType: string) => Buffer[];
  /** For "more than N … in one request". */
  noun: string;
}

/**
 * An endpoint guarded by sources.http.tokens whose body is one or more JSON
 * documents. Answers 200 with totals once the records are in the pipeline; 400
 * naming the problem when no document is usable; 503 with Retry-After when the
 * pipeline is full.
 */
export function bearerEndpoint(app: FastifyInstance, context: HttpSourceContext, endpoint: BearerEndpoint): void {
  const { path } = endpoint;
  app.post(path, async (request, reply) => {
    const fail = (status: number, message: string) => {
      context.metrics.httpRequests.inc({ endpoint: path, status: String(status) });
      return reply.code(status).send({ error: message });
    };
    if (context.config.tokens.length > 0 && !oneOf(bearerOf(request.headers.authorization), context.config.tokens)) return fail(401, 'a valid bearer token is required');
    if (context.intake.full) {
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return fail(503, 'the agent is backpressured; retry later');
    }
    const body = await bodyOf(request, context, fail);
    if (body === undefined) return reply;
    const documents = endpoint.documentsOf(body, String(request.headers['content-type'] ?? ''));
    if (documents.length === 0) return fail(400, 'the body is empty');
    if (documents.length > context.config.maxRecordsPerRequest) return fail(413, `more than ${context.config.maxRecordsPerRequest} ${endpoint.noun} in one request`);
    const total = summary(await context.intake.submitDocuments(endpoint.source, documents, request.ip));
    if (total.errors.length === documents.length) return fail(400, total.errors.join('; '));
    context.metrics.httpRequests.inc({ endpoint: path, status: '200' });
    return { ...total, errors: total.errors.length ? total.errors : undefined };
  });
}
