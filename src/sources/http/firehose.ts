import type { FastifyInstance, FastifyReply } from 'fastify';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { oneOf } from './auth.ts';
import { isGzip } from './body.ts';
import { bodyOf, RETRY_AFTER_SECONDS, summary, type HttpSourceContext } from './context.ts';

const gunzipAsync = promisify(gunzip);
const ENDPOINT = '/v1/aws/firehose';

/**
 * The Amazon Data Firehose HTTP endpoint delivery contract: a JSON envelope
 * {requestId, timestamp, records:[{data: base64}]}, answered with
 * {requestId, timestamp} and 200 once every record is in the pipeline, or with
 * errorMessage and a non-200 status, on which Firehose retries the delivery.
 * The envelope is unwrapped here (main-thread I/O work); each record's payload
 * — an EventBridge CloudTrail event, or gzip CloudWatch Logs subscription data —
 * goes to the worker.
 */
export function firehoseEndpoint(app: FastifyInstance, context: HttpSourceContext): void {
  app.post(ENDPOINT, async (request, reply) => {
    const headerId = request.headers['x-amz-firehose-request-id'];
    let requestId = typeof headerId === 'string' ? headerId : '';
    const answer = (status: number, errorMessage?: string): FastifyReply => {
      context.metrics.httpRequests.inc({ endpoint: ENDPOINT, status: String(status) });
      return reply.code(status).send({ requestId, timestamp: Date.now(), ...(errorMessage === undefined ? {} : { errorMessage }) });
    };
    const key = request.headers['x-amz-firehose-access-key'];
    const accessKeys = context.config.firehose.accessKeys;
    if (accessKeys.length > 0 && !oneOf(typeof key === 'string' ? key : undefined, accessKeys)) return answer(401, 'a valid X-Amz-Firehose-Access-Key is required');
    if (context.intake.full) {
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return answer(503, 'the agent is backpressured; retry later');
    }
    const body = await bodyOf(request, context, answer);
    if (body === undefined) return reply;
    let envelope: unknown;
    try {
      envelope = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return answer(400, `the body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof envelope !== 'object' || envelope === null || !('records' in envelope) || !Array.isArray(envelope.records)) {
      return answer(400, 'the body is not a Firehose delivery: no records array');
    }
    if ('requestId' in envelope && typeof envelope.requestId === 'string') requestId = envelope.requestId;
    const records = envelope.records as unknown[];
    if (records.length > context.config.maxRecordsPerRequest) return answer(413, `more than ${context.config.maxRecordsPerRequest} records in one delivery`);
    const documents: Buffer[] = [];
    let decodedBytes = 0;
    for (const [index, record] of records.entries()) {
      const data = typeof record === 'object' && record !== null && 'data' in record && typeof record.data === 'string' ? record.data : undefined;
      if (data === undefined) return answer(400, `records[${index}] has no base64 data`);
      let payload = Buffer.from(data, 'base64');
      if (isGzip(payload)) {
        try {
          payload = await gunzipAsync(payload, { maxOutputLength: context.config.maxDecompressedBytes - decodedBytes });
        } catch {
          return answer(413, `records[${index}] inflates past sources.http.maxDecompressedBytes or is corrupt`);
        }
      }
      decodedBytes += payload.length;
      if (decodedBytes > context.config.maxDecompressedBytes) return answer(413, 'the records inflate past sources.http.maxDecompressedBytes');
      documents.push(payload);
    }
    const outcomes = await context.intake.submitDocuments('aws_cloudtrail', documents, request.ip);
    const total = summary(outcomes);
    // A record that is not a usable document will not become one by retrying:
    // it is dead-lettered, and the delivery is acknowledged.
    if (total.errors.length > 0) context.logger.warn({ requestId, errors: total.errors.slice(0, 5) }, 'Firehose records that are not CloudTrail documents');
    return answer(200);
  });
}
