import type { FastifyInstance } from 'fastify';
import { bearerEndpoint } from './bearer-endpoint.ts';
import { ndjsonLines } from './body.ts';
import type { HttpSourceContext } from './context.ts';

/** CloudTrail log files as S3 holds them ({"Records":[…]}), plain or gzip; several as NDJSON (Content-Type application/x-ndjson). */
export function cloudTrailEndpoint(app: FastifyInstance, context: HttpSourceContext): void {
  bearerEndpoint(app, context, {
    path: '/v1/aws/cloudtrail',
    source: 'aws_cloudtrail',
    noun: 'files',
    documentsOf: (body, contentType) => (contentType.includes('ndjson') ? ndjsonLines(body) : body.length ? [body] : []),
  });
}
