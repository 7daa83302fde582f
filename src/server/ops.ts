import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.ts';

export interface Readiness {
  /** Null when ready, else what is not. */
  notReadyReason(): string | null;
}

/** /healthz, /readyz and /metrics, and the cloud ingestion endpoints; HTTPS when given a certificate. */
export async function startOpsServer(
  options: { address: string; port: number; certFile?: string | undefined; keyFile?: string | undefined },
  metrics: Metrics,
  readiness: Readiness,
  logger: Logger,
  /** More routes (the cloud ingestion endpoints), registered before listening. */
  extend?: (app: FastifyInstance) => Promise<void>,
) {
  const tls = options.certFile !== undefined && options.keyFile !== undefined ? { cert: readFileSync(options.certFile), key: readFileSync(options.keyFile) } : undefined;
  const app = Fastify<Server, IncomingMessage, ServerResponse, FastifyBaseLogger>({
    loggerInstance: logger,
    // Scrapes and probes arrive every few seconds; logging each would drown the log.
    logController: new LogController({ disableRequestLogging: true }),
    // serverFactory keeps fastify's http typing; an https.Server is one.
    ...(tls ? { serverFactory: (handler) => createHttpsServer(tls, handler) } : {}),
  });
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const reason = readiness.notReadyReason();
    if (reason !== null) return reply.code(503).send({ status: 'not ready', reason });
    return { status: 'ready' };
  });
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
  if (extend) await extend(app);
  await app.listen({ host: options.address, port: options.port });
  return app;
}

export type OpsServer = Awaited<ReturnType<typeof startOpsServer>>;
