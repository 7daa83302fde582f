import type { Logger } from 'pino';
import type { Config } from './config/schema.ts';
import { dcrTemplate } from './dcr/template.ts';
import type { RunningEmulator } from './emulator/index.ts';
import { AsimdError } from './errors/index.ts';
import { Metrics } from './metrics/index.ts';
import { Pipeline } from './pipeline/index.ts';
import { startOpsServer, type OpsServer } from './server/ops.ts';
import { createSink, type Sink } from './sinks/index.ts';
import { registerHttpSources } from './sources/http/index.ts';
import { createSources, type Source } from './sources/index.ts';

export interface StopOutcome {
  /** False when draining did not finish within shutdown.timeoutMs. */
  drained: boolean;
}

/** Wires sources → pipeline → sink and the ops server, and takes them down in order. */
export class Agent {
  private server: OpsServer | undefined;
  private accepting = false;
  private stopping: Promise<StopOutcome> | undefined;

  private constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    readonly metrics: Metrics,
    private readonly sink: Sink,
    private readonly pipeline: Pipeline,
    readonly sources: Source[],
    readonly emulator: RunningEmulator | undefined,
  ) {}

  static async start(config: Config, rootLogger: Logger): Promise<Agent> {
    const logger = rootLogger.child({ component: 'agent' });
    const metrics = new Metrics();
    const emulator = config.emulator.enabled ? await startInProcessEmulator(config, rootLogger) : undefined;
    const effective = emulator ? withEmulatorDefaults(config, emulator) : config;
    let sink: Sink;
    try {
      sink = createSink(effective, {
        metrics,
        logger: rootLogger,
        ...(emulator ? { azure: { defaultEndpoint: emulator.url, caPem: emulator.certificatePem } } : {}),
      });
      await sink.start();
    } catch (err) {
      await emulator?.close();
      throw err;
    }
    const pipeline = new Pipeline(effective, sink, metrics, rootLogger.child({ component: 'pipeline' }));
    const agent = new Agent(effective, logger, metrics, sink, pipeline, createSources(effective, metrics, rootLogger), emulator);
    try {
      await pipeline.open();
      for (const source of agent.sources) await source.start(pipeline);
      agent.accepting = true;
      if (config.server.enabled) {
        const httpLogger = rootLogger.child({ component: 'http-sources' });
        agent.server = await startOpsServer(config.server, metrics, agent, rootLogger.child({ component: 'ops-server' }), (app) =>
          registerHttpSources(app, { config: effective.sources.http, intake: pipeline, metrics, logger: httpLogger }),
        );
      }
    } catch (err) {
      await agent.stop();
      throw err;
    }
    logger.info(
      {
        sources: agent.sources.map((source) => ({ name: source.name, ...source.address() })),
        server: agent.serverAddress(),
        sink: sink.name,
        workers: pipeline.threads,
        ...(emulator ? { emulator: { url: emulator.url, certificateFile: emulator.certificateFile, dataDirectory: emulator.dataDirectory } } : {}),
      },
      'asimd started',
    );
    return agent;
  }

  serverAddress(): { address: string; port: number } | undefined {
    const bound = this.server?.server.address();
    return bound && typeof bound === 'object' ? { address: bound.address, port: bound.port } : undefined;
  }

  notReadyReason(): string | null {
    if (!this.accepting) return 'sources are not accepting';
    if (!this.sink.ready()) return `sink ${this.sink.name}: ${this.sink.notReadyReason?.() ?? 'not accepting batches'}`;
    return null;
  }

  /** Stop accepting, drain the pool, batchers and sink; bounded by shutdown.timeoutMs. */
  stop(): Promise<StopOutcome> {
    this.stopping ??= this.drainAndClose();
    return this.stopping;
  }

  private async drainAndClose(): Promise<StopOutcome> {
    this.accepting = false;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.config.shutdown.timeoutMs);
    });
    const drained = await Promise.race([
      (async () => {
        await Promise.all(this.sources.map((source) => source.stop()));
        // HTTP senders get 503 from here on and retry later; what they sent before is drained.
        this.pipeline.closeIntake();
        await this.pipeline.drain();
        return true as const;
      })(),
      deadline,
    ]);
    clearTimeout(timer);
    if (!drained) {
      this.pipeline.abandon();
      const err = new AsimdError('ASIMD_SHUTDOWN_TIMEOUT', `draining did not finish within ${this.config.shutdown.timeoutMs} ms`);
      this.logger.error({ code: err.code, queueBytes: this.pipeline.queueBytes, outputBytes: this.pipeline.outputBytes }, err.message);
    }
    await this.sink.close();
    await this.pipeline.close();
    await this.server?.close();
    await this.emulator?.close();
    this.logger.info(
      { drained, ms: Date.now() - started, framesAccepted: this.pipeline.accepted, rowsDelivered: this.pipeline.rowsDelivered, journaledBatches: this.pipeline.journalBatches },
      'asimd stopped',
    );
    return { drained };
  }
}

/**
 * The emulator serves the agent's own DCR template, so renamed streams still
 * match. Loaded only when enabled: its modules (certificate generation among
 * them) are about 6 MiB of the main thread's heap an agent shipping to Azure
 * does not need.
 */
export async function startInProcessEmulator(config: Config, rootLogger: Logger): Promise<RunningEmulator> {
  const { startEmulator } = await import('./emulator/index.ts');
  const template = dcrTemplate(config.streams);
  const templates = Object.fromEntries(config.emulator.dcrs.map((dcr) => [dcr.immutableId, template]));
  return startEmulator(config.emulator, { logger: rootLogger.child({ component: 'emulator' }), templates });
}

/** Credentials the in-process emulator accepts when the config names none: the real token path, no secrets to set. */
export const EMULATOR_CREDENTIALS = { tenantId: 'asimd-emulator', clientId: 'asimd', clientSecret: 'asimd-emulator-secret' } as const;

/**
 * With the emulator in-process, targets without an endpoint go to it, and so
 * does authentication unless auth.authorityHost names another authority.
 */
export function withEmulatorDefaults(config: Config, emulator: RunningEmulator): Config {
  const azure = config.sink.azure;
  if (azure.targets.some((target) => target.endpoint !== undefined) || azure.auth.authorityHost !== undefined) return config;
  const auth =
    azure.auth.type === 'client-secret'
      ? {
          ...azure.auth,
          tenantId: azure.auth.tenantId ?? EMULATOR_CREDENTIALS.tenantId,
          clientId: azure.auth.clientId ?? EMULATOR_CREDENTIALS.clientId,
          clientSecret: azure.auth.clientSecret ?? EMULATOR_CREDENTIALS.clientSecret,
          authorityHost: emulator.url,
        }
      : { ...azure.auth, authorityHost: emulator.url };
  return { ...config, sink: { ...config.sink, azure: { ...azure, auth } } };
}
