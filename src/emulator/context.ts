import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { EmulatorClientConfig, EmulatorConfig } from './config.ts';
import type { ServedDcr } from './dcrs.ts';
import type { FaultInjector } from './faults.ts';
import type { RecordedRequest, RequestKind, RequestLog, RowStore, Stats } from './store.ts';
import type { TokenStore } from './tokens.ts';
import { sendError } from './wire.ts';

/** Everything the route handlers share. */
export interface EmulatorState {
  config: EmulatorConfig;
  audience: string;
  dcrs: ReadonlyMap<string, ServedDcr>;
  clients: ReadonlyMap<string, EmulatorClientConfig>;
  tokens: TokenStore;
  faults: FaultInjector;
  store: RowStore;
  stats: Stats;
  requestLog: RequestLog;
  logger: Logger;
  /** https://HOST:PORT of the HTTPS listener (known once it listens). */
  baseUrl(): string;
  /** Aborted on close, so injected delays do not hold the emulator open. */
  closing: AbortSignal;
}

/** What a handler learned about a request, for the request log and the stats. */
export interface RequestContext {
  kind: RequestKind;
  dcr?: string;
  /** A stream the DCR declares (stats are kept per declared stream only). */
  stream?: string;
  clientId?: string;
  errorCode?: string;
  bytesRaw: number;
  bytesDecoded: number;
  gzip: boolean;
  rows?: number;
  truncatedFields: number;
  replacedTimeGenerated: number;
  droppedColumns: number;
  fault?: string;
  recorded: boolean;
}

const contexts = new WeakMap<IncomingMessage, RequestContext>();

export function contextOf(request: FastifyRequest): RequestContext {
  let context = contexts.get(request.raw);
  if (context === undefined) {
    context = { kind: 'other', bytesRaw: 0, bytesDecoded: 0, gzip: false, truncatedFields: 0, replacedTimeGenerated: 0, droppedColumns: 0, recorded: false };
    contexts.set(request.raw, context);
  }
  return context;
}

/** Query parameters with decoded names and values: `api%2Dversion` is `api-version`. */
export function decodedQuery(url: string): Record<string, string> {
  const start = url.indexOf('?');
  if (start < 0) return {};
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(url.slice(start + 1))) {
    if (!(name in query)) query[name] = value;
  }
  return query;
}

function recordedHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (name === 'authorization') headers[name] = `${text.split(' ')[0] ?? ''} (redacted)`;
    else if (name === 'x-identity-header') headers[name] = '(redacted)';
    else headers[name] = text;
  }
  return headers;
}

/** Logs the request (bounded) and counts it; once per request. */
export function record(state: EmulatorState, request: FastifyRequest, status: number): void {
  const context = contextOf(request);
  if (context.recorded) return;
  context.recorded = true;
  const url = request.raw.url ?? '/';
  const queryStart = url.indexOf('?');
  const entry: RecordedRequest = {
    time: new Date().toISOString(),
    kind: context.kind,
    method: request.method,
    path: queryStart < 0 ? url : url.slice(0, queryStart),
    query: decodedQuery(url),
    headers: recordedHeaders(request),
    status,
    bytesRaw: context.bytesRaw,
    bytesDecoded: context.bytesDecoded,
  };
  if (context.errorCode !== undefined) entry.errorCode = context.errorCode;
  if (context.clientId !== undefined) entry.clientId = context.clientId;
  if (context.dcr !== undefined) entry.dcr = context.dcr;
  if (context.stream !== undefined) entry.stream = context.stream;
  if (context.rows !== undefined) entry.rows = context.rows;
  if (context.fault !== undefined) entry.fault = context.fault;
  state.requestLog.add(entry);
  state.stats.request(status);
  if (context.kind === 'ingestion') {
    state.stats.ingestion({
      dcr: context.dcr !== undefined && state.dcrs.has(context.dcr) ? context.dcr : undefined,
      stream: context.stream,
      status,
      bytesRaw: context.bytesRaw,
      bytesDecoded: context.bytesDecoded,
      gzip: context.gzip,
      rowsAccepted: status === 204 ? (context.rows ?? 0) : 0,
      truncatedFields: status === 204 ? context.truncatedFields : 0,
      replacedTimeGenerated: status === 204 ? context.replacedTimeGenerated : 0,
      droppedColumns: status === 204 ? context.droppedColumns : 0,
    });
  }
  state.logger.debug({ kind: entry.kind, method: entry.method, path: entry.path, status, errorCode: entry.errorCode, rows: entry.rows }, 'emulator request');
}

/** An ErrorResponse, remembered for the request log. */
export function fail(
  reply: FastifyReply,
  context: RequestContext,
  status: number,
  code: string,
  message: string,
  extra: { target?: string; retryAfterSeconds?: number } = {},
): FastifyReply {
  context.errorCode = code;
  return sendError(reply, status, code, message, extra);
}
