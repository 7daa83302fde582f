import type { FastifyInstance } from 'fastify';
import { bearerOf, oneOf } from './auth.ts';
import { ndjsonLines } from './body.ts';
import { bodyOf, RETRY_AFTER_SECONDS, summary, type HttpSourceContext } from './context.ts';

const ENDPOINT = '/v1/aws/cloudtrail';

/**
 * CloudTrail log files as S3 holds them ({"Records":[…]}), plain or gzip;
 * several files as NDJSON (Content-Type application/x-ndjson). Answers 200 once
 * the records are in the pipeline; 400 naming the problem when no file is usable.
 */
export function cloudTrailEndpoint(app: FastifyInstance, context: HttpSourceContext): void {
  app.post(ENDPOINT, async (request, reply) => {
    const fail = (status: number, message: string) => {
      context.metrics.httpRequests.inc({ endpoint: ENDPOINT, status: String(status) });
      return reply.code(status).send({ error: message });
    };
    if (context.config.tokens.length > 0 && !oneOf(bearerOf(request.headers.authorization), context.config.tokens)) return fail(401, 'a valid bearer token is required');
    if (context.intake.full) {
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return fail(503, 'the agent is backpressured; retry later');
    }
    const body = await bodyOf(request, context, fail);
    if (body === undefined) return reply;
    const ndjson = String(request.headers['content-type'] ?? '').includes('ndjson');
    const documents = ndjson ? ndjsonLines(body) : [body];
    if (documents.length === 0) return fail(400, 'the body is empty');
    if (documents.length > context.config.maxRecordsPerRequest) return fail(413, `more than ${context.config.maxRecordsPerRequest} files in one request`);
    const total = summary(await context.intake.submitDocuments('aws_cloudtrail', documents, request.ip));
    if (total.errors.length === documents.length) return fail(400, total.errors.join('; '));
    context.metrics.httpRequests.inc({ endpoint: ENDPOINT, status: '200' });
    return { ...total, errors: total.errors.length ? total.errors : undefined };
  });
}
