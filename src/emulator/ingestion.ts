import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gunzipCapped, type RawBody } from './body.ts';
import { MAX_BODY_BYTES } from './config.ts';
import { contextOf, decodedQuery, fail, record, type EmulatorState, type RequestContext } from './context.ts';
import { checkRecords } from './records.ts';
import { codeForStatus, forbiddenMessage, tooLargeMessage } from './wire.ts';

/*
 * POST /dataCollectionRules/{dcrImmutableId}/streams/{stream}: the Logs
 * Ingestion API (reference/logs-ingestion-api.md §1–5, §10). Checks run in this
 * order, and the first that fails answers: api-version, injected faults, bearer
 * token (401), DCR (404 NotFound), the client's access to it (403
 * OperationFailed), stream (404 InvalidStream), rate limits (429), Content-Type
 * and Content-Encoding (415), size as received (413), gzip and size decompressed
 * (400/413), JSON array of objects (400), records against the stream
 * declaration (400), TimeGenerated span (400). Then the rows are stored and the
 * answer is 204.
 */

export const API_VERSIONS: ReadonlySet<string> = new Set(['2023-01-01', '2021-11-01-preview', '2023-04-01-preview']);

interface IngestionParams {
  dcrImmutableId: string;
  stream: string;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function mediaType(header: string | undefined): string | undefined {
  return header?.split(';')[0]?.trim().toLowerCase();
}

/** Answers an injected fault; true when the request is answered (or reset). */
async function applyFault(
  state: EmulatorState,
  request: FastifyRequest<{ Params: IngestionParams }>,
  reply: FastifyReply,
  context: RequestContext,
  token: string | undefined,
): Promise<boolean> {
  const { dcrImmutableId, stream } = request.params;
  const rule = state.faults.next(dcrImmutableId, stream);
  if (rule === undefined) return false;
  if (rule.action === 'delay') {
    context.fault = `delay ${rule.delayMs ?? 0} ms`;
    try {
      await sleep(rule.delayMs ?? 0, undefined, { signal: state.closing });
    } catch {
      // closing: answer at once
    }
    return false;
  }
  if (rule.action === 'reset') {
    context.fault = 'reset';
    context.errorCode = 'ConnectionReset';
    record(state, request, 0);
    reply.hijack();
    request.raw.socket.destroy();
    return true;
  }
  const status = rule.status ?? 500;
  context.fault = `status ${status}`;
  if (status === 401 && token !== undefined) state.tokens.expire(token, Date.now());
  const code = codeForStatus(status);
  const message = status === 413 ? tooLargeMessage(context.bytesRaw) : status === 403 ? forbiddenMessage(dcrImmutableId) : `Injected fault: ${status} ${code}.`;
  fail(reply, context, status, code, message, rule.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: rule.retryAfterSeconds });
  return true;
}

export function registerIngestion(app: FastifyInstance, state: EmulatorState): void {
  app.post<{ Params: IngestionParams }>('/dataCollectionRules/:dcrImmutableId/streams/:stream', async (request, reply) => {
    const receivedAt = Date.now();
    const context = contextOf(request);
    context.kind = 'ingestion';
    const { dcrImmutableId, stream } = request.params;
    context.dcr = dcrImmutableId;
    const raw = request.body as RawBody | undefined;
    context.bytesRaw = raw?.length ?? 0;

    const apiVersion = decodedQuery(request.raw.url ?? '')['api-version'];
    if (apiVersion === undefined) {
      return fail(reply, context, 400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
    }
    if (!API_VERSIONS.has(apiVersion)) {
      return fail(
        reply,
        context,
        400,
        'UnsupportedApiVersion',
        `The HTTP resource that matches the request URI '${request.url}' does not support the API version '${apiVersion}'. Supported versions: ${[...API_VERSIONS].join(', ')}.`,
      );
    }

    const bearer = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (await applyFault(state, request, reply, context, bearer)) return reply;

    if (bearer === undefined) {
      return fail(reply, context, 401, 'InvalidToken', 'An Authorization header with a Bearer token is required.');
    }
    const checked = state.tokens.check(bearer, state.audience, receivedAt);
    if (!checked.ok) return fail(reply, context, 401, 'InvalidToken', checked.reason);
    context.clientId = checked.token.clientId;

    const dcr = state.dcrs.get(dcrImmutableId);
    if (dcr === undefined) {
      return fail(reply, context, 404, 'NotFound', `Data collection rule with immutable Id '${dcrImmutableId}' not found.`);
    }
    if (checked.token.grant !== 'static' && state.clients.size > 0) {
      const client = state.clients.get(checked.token.clientId);
      if (client === undefined || (client.dcrs.length > 0 && !client.dcrs.includes(dcrImmutableId))) {
        return fail(reply, context, 403, 'OperationFailed', forbiddenMessage(dcrImmutableId));
      }
    }
    const declaration = dcr.streams.get(stream);
    if (declaration === undefined) {
      return fail(
        reply,
        context,
        404,
        'InvalidStream',
        `Stream '${stream}' is not declared in data collection rule '${dcrImmutableId}'. Declared streams: ${[...dcr.streams.keys()].join(', ')}.`,
      );
    }
    context.stream = stream;

    const admission = dcr.limiter.admit(receivedAt);
    if (!admission.ok) return fail(reply, context, 429, 'TooManyRequests', admission.message, { retryAfterSeconds: admission.retryAfterSeconds });

    const contentType = mediaType(request.headers['content-type']);
    if (contentType !== 'application/json') {
      return fail(reply, context, 415, 'UnsupportedMediaType', `Content-Type must be application/json; got ${contentType ?? 'none'}.`);
    }
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding !== undefined && encoding !== '' && encoding !== 'gzip' && encoding !== 'identity') {
      return fail(reply, context, 415, 'UnsupportedMediaType', `Content-Encoding must be gzip or absent; got ${encoding}.`);
    }
    context.gzip = encoding === 'gzip';
    if (raw === undefined || raw.length === 0) {
      return fail(reply, context, 400, 'InvalidPayload', 'The request body is empty; send a JSON array of records ([] for none).');
    }
    if (raw.tooLarge) return fail(reply, context, 413, 'ContentLengthLimitExceeded', tooLargeMessage(raw.length));

    let decoded = raw.bytes;
    if (context.gzip) {
      const inflated = await gunzipCapped(raw.bytes, MAX_BODY_BYTES);
      if (!inflated.ok) {
        if (inflated.reason === 'too_large') {
          context.bytesDecoded = inflated.inflatedBytes;
          // Inflation stopped at the limit, so the length given is a lower bound.
          return fail(reply, context, 413, 'ContentLengthLimitExceeded', tooLargeMessage(inflated.inflatedBytes));
        }
        return fail(reply, context, 400, 'InvalidPayload', `The request body is not valid gzip: ${inflated.message}.`);
      }
      decoded = inflated.bytes;
    }
    context.bytesDecoded = decoded.length;
    dcr.limiter.addBytes(decoded.length);

    let payload: unknown;
    try {
      payload = JSON.parse(decoded.toString('utf8'));
    } catch (err: unknown) {
      return fail(reply, context, 400, 'InvalidPayload', `The request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}.`);
    }
    const result = checkRecords(
      payload,
      declaration,
      { dcrId: dcrImmutableId, stream, undeclaredColumns: state.config.undeclaredColumns, timeSpanCheck: state.config.timeSpanCheck },
      receivedAt,
    );
    if (!result.ok) return fail(reply, context, 400, result.code, result.message, result.target === undefined ? {} : { target: result.target });

    await state.store.append(stream, result.rows);
    context.rows = result.rows.length;
    context.truncatedFields = result.truncatedFields;
    context.replacedTimeGenerated = result.replacedTimeGenerated;
    context.droppedColumns = result.droppedColumns;
    return reply.code(204).send();
  });
}
