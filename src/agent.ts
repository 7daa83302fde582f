import type { Logger } from 'pino';
import type { Config } from './config/schema.ts';
import { AsimdError } from './errors/index.ts';
import { Metrics } from './metrics/index.ts';
import { Pipeline } from './pipeline/index.ts';
import { startOpsServer, type OpsServer } from './server/ops.ts';
import { createSink, type Sink } from './sinks/index.ts';
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
  ) {}

  static async start(config: Config, rootLogger: Logger): Promise<Agent> {
    const logger = rootLogger.child({ component: 'agent' });
    const metrics = new Metrics();
    const sink = createSink(config, { metrics, logger: rootLogger });
    await sink.start();
    const pipeline = new Pipeline(config, sink, metrics, rootLogger.child({ component: 'pipeline' }));
    const agent = new Agent(config, logger, metrics, sink, pipeline, createSources(config, metrics, rootLogger));
    try {
      for (const source of agent.sources) await source.start(pipeline);
      agent.accepting = true;
      if (config.server.enabled) {
        agent.server = await startOpsServer(config.server, metrics, agent, rootLogger.child({ component: 'ops-server' }));
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
    this.logger.info(
      { drained, ms: Date.now() - started, framesAccepted: this.pipeline.accepted, rowsDelivered: this.pipeline.rowsDelivered },
      'asimd stopped',
    );
    return { drained };
  }
}
