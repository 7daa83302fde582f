import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { DcrTemplate } from '../dcr/template.ts';
import { ConfigError } from '../errors/index.ts';
import { readBody } from './body.ts';
import { loadCertificate } from './certificate.ts';
import { AUDIENCES, MAX_BODY_BYTES, emulatorConfigProblems, faultRule, type EmulatorConfig, type FaultRule } from './config.ts';
import { contextOf, record, type EmulatorState } from './context.ts';
import { loadDcrs } from './dcrs.ts';
import { registerEntra, registerManagedIdentity } from './entra.ts';
import { FaultInjector } from './faults.ts';
import { registerIngestion } from './ingestion.ts';
import { RequestLog, RowStore, Stats, type EmulatorStats, type RecordedRequest } from './store.ts';
import { TokenStore } from './tokens.ts';
import { sendError } from './wire.ts';

export { EmulatorSchema, emulatorConfig, type EmulatorConfig, type FaultRule } from './config.ts';
export type { EmulatorStats, RecordedRequest, StreamStats, DcrStats } from './store.ts';
export { WIRE_ERRORS } from './wire.ts';

export interface EmulatorOptions {
  logger: Logger;
  /** Relative paths (dataDirectory, templates, TLS files) are resolved against it; default: the working directory. */
  baseDirectory?: string;
  /** An in-memory DCR template per immutable id: overrides the configured file, or adds a DCR. */
  templates?: Readonly<Record<string, DcrTemplate>>;
}

export interface RunningEmulator {
  /** https://127.0.0.1:PORT (the Logs Ingestion endpoint and the authority host). */
  url: string;
  port: number;
  /** PEM of the serving certificate: trust it with `ca` / `tlsOptions: { ca }`. */
  certificatePem: string;
  /** File holding that PEM, for NODE_EXTRA_CA_CERTS. */
  certificateFile: string;
  /** http://127.0.0.1:PORT/msi/token, for IDENTITY_ENDPOINT (with any IDENTITY_HEADER). */
  msiEndpoint: string;
  /** Where the NDJSON files are. */
  dataDirectory: string;
  /** Each served DCR's immutable id with its stream names. */
  dcrs(): Record<string, string[]>;
  stats(): EmulatorStats;
  /** The rows accepted on a stream so far, read back from <dataDirectory>/<stream>.ndjson. */
  rows(stream: string): Array<Record<string, unknown>>;
  /** The most recent requests (at most maxStoredRequests), oldest first. */
  requests(): RecordedRequest[];
  /** Adds a fault rule after the configured ones (validated: a malformed rule throws ConfigError). */
  injectFault(rule: FaultRule): void;
  /** Removes every fault rule, configured ones included. */
  clearFaults(): void;
  /** Deletes stored rows, zeroes stats, the request log and rate-limit windows, and re-arms the configured faults. Tokens stay valid. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

function hostFor(address: string): string {
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return address.includes(':') ? `[${address}]` : address;
}

/** Hooks both listeners share: request ids, the request log and stats, ErrorResponse for 404 and crashes. */
function instrument(app: FastifyInstance, state: EmulatorState): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const clientRequestId = request.headers['x-ms-client-request-id'];
    if (typeof clientRequestId === 'string') reply.header('x-ms-client-request-id', clientRequestId);
    reply.header('x-ms-request-id', randomUUID());
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    record(state, request, reply.statusCode);
  });
  app.setNotFoundHandler(async (request, reply) => {
    contextOf(request).errorCode = 'NotFound';
    return sendError(reply, 404, 'NotFound', `No route for ${request.method} ${request.url.split('?')[0] ?? ''} in the emulator.`);
  });
  app.setErrorHandler(async (error, request, reply) => {
    const status = typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    const message = error instanceof Error ? error.message : String(error);
    if (status >= 500) state.logger.error({ err: error, path: request.url }, 'emulator request failed');
    const code = status >= 500 ? 'InternalServerError' : 'InvalidRequest';
    contextOf(request).errorCode = code;
    return sendError(reply, status, code, message);
  });
}

export async function startEmulator(config: EmulatorConfig, options: EmulatorOptions): Promise<RunningEmulator> {
  // The caller may already have bound component: 'emulator'; binding it twice would print the key twice.
  const logger = options.logger.bindings()['component'] === 'emulator' ? options.logger : options.logger.child({ component: 'emulator' });
  const problems = emulatorConfigProblems(config);
  if (problems.length > 0) throw new ConfigError('ASIMD_CONFIG_INVALID', problems);
  const baseDirectory = options.baseDirectory ?? process.cwd();
  const dataDirectory = resolve(baseDirectory, config.dataDirectory);
  const dcrs = loadDcrs(config, baseDirectory, options.templates);
  const certificate = await loadCertificate({
    certFile: config.tls.certFile === undefined ? undefined : resolve(baseDirectory, config.tls.certFile),
    keyFile: config.tls.keyFile === undefined ? undefined : resolve(baseDirectory, config.tls.keyFile),
    dataDirectory,
    address: config.address,
  });
  const store = new RowStore(dataDirectory);
  await store.open();

  let baseUrl = '';
  const closing = new AbortController();
  const tokens = new TokenStore(config.staticTokens, (tenant) => `${baseUrl}/${tenant}/v2.0`);
  const state: EmulatorState = {
    config,
    audience: AUDIENCES[config.cloud],
    dcrs,
    clients: new Map(config.clients.map((client) => [client.clientId, client])),
    tokens,
    faults: new FaultInjector(config.faults),
    store,
    stats: new Stats(new Map([...dcrs].map(([id, dcr]) => [id, [...dcr.streams.keys()]])), () => tokens.issued),
    requestLog: new RequestLog(config.maxStoredRequests),
    logger,
    baseUrl: () => baseUrl,
    closing: closing.signal,
  };

  // Requests and probes are not logged one by one (debug lines come from record()).
  const logController = new LogController({ disableRequestLogging: true });
  // serverFactory keeps fastify's default (http) typing; https.Server is one.
  const app = Fastify<Server, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    serverFactory: (handler) => createHttpsServer({ key: certificate.key, cert: certificate.cert }, handler),
    loggerInstance: logger,
    logController,
  });
  app.removeAllContentTypeParsers();
  // Every body is read raw, capped at 1 MiB kept (the handlers decide what a body may be).
  app.addContentTypeParser('*', async (request: FastifyRequest, payload: IncomingMessage) => {
    const header = request.headers['content-length'];
    const declared = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : undefined;
    return readBody(payload, declared, MAX_BODY_BYTES);
  });
  instrument(app, state);
  registerIngestion(app, state);
  registerEntra(app, state);
  registerManagedIdentity(app, state);
  app.get('/emulator/stats', (request) => {
    contextOf(request).kind = 'inspection';
    return state.stats.snapshot();
  });
  app.get('/emulator/requests', (request) => {
    contextOf(request).kind = 'inspection';
    return state.requestLog.list();
  });

  const msi = Fastify<Server, IncomingMessage, ServerResponse, FastifyBaseLogger>({ loggerInstance: logger, logController });
  instrument(msi, state);
  registerManagedIdentity(msi, state);

  await app.listen({ host: config.address, port: config.port, listenTextResolver: (address) => `emulator listening at ${address.replace(/^http:/, 'https:')}` });
  try {
    await msi.listen({
      host: '127.0.0.1',
      port: config.managedIdentityPort,
      listenTextResolver: (address) => `emulator managed-identity endpoint listening at ${address}/msi/token`,
    });
  } catch (err: unknown) {
    await app.close();
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  const msiPort = (msi.server.address() as AddressInfo).port;
  baseUrl = `https://${hostFor(config.address)}:${port}`;
  const msiEndpoint = `http://127.0.0.1:${msiPort}/msi/token`;
  const dcrStreams = () => Object.fromEntries([...dcrs].map(([id, dcr]) => [id, [...dcr.streams.keys()]]));

  logger.info(
    {
      url: baseUrl,
      msiEndpoint,
      certificateFile: certificate.certificateFile,
      dataDirectory,
      audience: state.audience,
      dcrs: [...dcrs.values()].map((dcr) => ({ immutableId: dcr.immutableId, template: dcr.source, streams: [...dcr.streams.keys()] })),
      clients: config.clients.length === 0 ? 'any' : config.clients.map((client) => client.clientId),
      faults: config.faults.length,
    },
    'emulator started',
  );

  let closed: Promise<void> | undefined;
  return {
    url: baseUrl,
    port,
    certificatePem: certificate.cert,
    certificateFile: certificate.certificateFile,
    msiEndpoint,
    dataDirectory,
    dcrs: dcrStreams,
    stats: () => state.stats.snapshot(),
    rows: (stream) => store.rows(stream),
    requests: () => state.requestLog.list(),
    injectFault: (rule) => state.faults.add(faultRule(rule)),
    clearFaults: () => state.faults.clear(),
    reset: async () => {
      await store.clear(new Set([...dcrs.values()].flatMap((dcr) => [...dcr.streams.keys()])));
      state.stats.reset();
      state.requestLog.reset();
      state.faults.reset();
      for (const dcr of dcrs.values()) dcr.limiter.reset();
    },
    close: () => {
      closed ??= (async () => {
        closing.abort();
        await Promise.all([app.close(), msi.close()]);
        await store.settle();
        logger.info({ url: baseUrl }, 'emulator stopped');
      })();
      return closed;
    },
  };
}

/** `asimd emulator`: runs the emulator on its own until SIGTERM or SIGINT. */
export async function runEmulatorCommand(config: EmulatorConfig, logger: Logger, options: Omit<EmulatorOptions, 'logger'> = {}): Promise<void> {
  const emulator = await startEmulator(config, { ...options, logger });
  const emulatorLogger = logger.bindings()['component'] === 'emulator' ? logger : logger.child({ component: 'emulator' });
  emulatorLogger.info(
    {
      endpoint: emulator.url,
      authorityHost: emulator.url,
      dcrs: emulator.dcrs(),
      trust: `NODE_EXTRA_CA_CERTS=${emulator.certificateFile}`,
      managedIdentity: `IDENTITY_ENDPOINT=${emulator.msiEndpoint} IDENTITY_HEADER=<any>`,
    },
    'emulator ready: point the Logs Ingestion endpoint and the authority host at the url',
  );
  await new Promise<void>((resolveSignal) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolveSignal();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await emulator.close();
}
