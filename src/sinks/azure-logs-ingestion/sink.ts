import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { Config } from '../../config/schema.ts';
import { AsimdError } from '../../errors/index.ts';
import type { Metrics } from '../../metrics/index.ts';
import { TABLE_STREAMS } from '../../dcr/template.ts';
import type { Batch, Sink, SinkVerdict } from '../types.ts';
import type { AzureSinkConfig } from './config.ts';
import { checkAuthFiles, createCredential, scopeOf } from './credential.ts';
import { describe, outcomeOf, type Answer } from './responses.ts';
import { TokenManager } from './token.ts';

const gzipAsync = promisify(gzip);

/** The service refuses bodies above this, compressed or not. */
export const MAX_BODY_BYTES = 1_048_576;
const API_VERSION = '2023-01-01';

export interface AzureSinkRuntime {
  /** Used for targets without an endpoint: the in-process emulator. */
  defaultEndpoint?: string;
  /** Extra trusted CA (PEM): the emulator's certificate. */
  caPem?: string;
}

interface Target {
  endpoint: string;
  dcrImmutableId: string;
  pool: Pool;
  /** Set after 403/404 until a request succeeds again. */
  problem: string | undefined;
}

/**
 * Posts batches to the Azure Monitor Logs Ingestion API: gzip (zlib's async
 * API, off the main thread), bearer token kept fresh by TokenManager, one
 * verdict per attempt. Rows of one stream are spread round-robin over every
 * DCR target that takes their table.
 */
export class AzureLogsIngestionSink implements Sink {
  readonly name = 'azure-logs-ingestion';
  readonly framing = 'json-array' as const;
  private readonly tokens: TokenManager;
  private readonly targetsByStream = new Map<string, Target[]>();
  private readonly pools = new Map<string, Pool>();
  private readonly nextTarget = new Map<string, number>();
  private readonly targets: Target[] = [];

  constructor(
    private readonly config: AzureSinkConfig,
    streams: Config['streams'],
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    runtime: AzureSinkRuntime = {},
  ) {
    checkAuthFiles(config);
    const extraCa = runtime.caPem ?? (config.caFile ? readCa(config.caFile) : undefined);
    const ca = extraCa ? [...rootCertificates, extraCa] : undefined;
    // One context for every connection: given `ca`, each TLS connect would parse
    // the ~150 root certificates into a new native context, and a reconnecting
    // sink (the service down) would grow RSS by tens of MB a second.
    const secureContext = ca ? createSecureContext({ ca }) : undefined;
    this.tokens = new TokenManager(() => createCredential(config, { ca }), scopeOf(config), metrics, logger);
    config.targets.forEach((configured, index) => {
      const endpoint = (configured.endpoint ?? runtime.defaultEndpoint)?.replace(/\/+$/, '');
      if (!endpoint) {
        throw new AsimdError('ASIMD_SINK_UNAVAILABLE', `sink.azure.targets[${index}].endpoint: required unless emulator.enabled is true`);
      }
      const origin = new URL(endpoint).origin;
      let pool = this.pools.get(origin);
      if (!pool) {
        pool = new Pool(origin, {
          connections: config.concurrency * config.targets.length,
          pipelining: 1,
          headersTimeout: config.requestTimeoutMs,
          bodyTimeout: config.requestTimeoutMs,
          ...(secureContext ? { connect: { secureContext } } : {}),
        });
        this.pools.set(origin, pool);
      }
      const target: Target = { endpoint, dcrImmutableId: configured.dcrImmutableId, pool, problem: undefined };
      this.targets.push(target);
      for (const { key } of TABLE_STREAMS) {
        if (configured.tables && !configured.tables.includes(key)) continue;
        const stream = streams[key];
        const list = this.targetsByStream.get(stream) ?? [];
        list.push(target);
        this.targetsByStream.set(stream, list);
      }
    });
  }

  concurrencyFor(stream: string): number {
    return this.config.concurrency * (this.targetsByStream.get(stream)?.length ?? 1);
  }

  /**
   * Gets a first token and posts `[]` to every stream of every target, as the
   * real calls will. Problems are logged and reported by /readyz; they do not
   * stop the agent, since role assignments can take 30 minutes to apply.
   */
  async start(): Promise<void> {
    await this.tokens.refresh();
    const probes: Array<Promise<void>> = [];
    for (const [stream, targets] of this.targetsByStream) {
      for (const target of targets) probes.push(this.probe(target, stream));
    }
    await Promise.all(probes);
  }

  private async probe(target: Target, stream: string): Promise<void> {
    const verdict = await this.post(target, stream, Buffer.from('[]'), 0);
    if (verdict.kind === 'ok') this.logger.info({ endpoint: target.endpoint, dcr: target.dcrImmutableId, stream }, 'stream accepts rows');
  }

  ready(): boolean {
    return this.notReadyReason() === undefined;
  }

  notReadyReason(): string | undefined {
    if (this.tokens.lastError) return `no Entra ID token: ${this.tokens.lastError}`;
    const broken = this.targets.find((target) => target.problem !== undefined);
    return broken ? `${broken.dcrImmutableId}: ${broken.problem}` : undefined;
  }

  async send(batch: Batch): Promise<SinkVerdict> {
    const targets = this.targetsByStream.get(batch.stream);
    if (!targets?.length) return { kind: 'reject', reason: 'no_target', error: `no sink.azure target takes stream ${batch.stream}` };
    const index = this.nextTarget.get(batch.stream) ?? 0;
    this.nextTarget.set(batch.stream, index + 1);
    return this.post(targets[index % targets.length] as Target, batch.stream, batch.body, batch.rows, batch.gzip);
  }

  get gzipLevel(): number {
    return this.config.compressionLevel;
  }

  private async post(target: Target, stream: string, body: Buffer, rows: number, sealed?: Uint8Array): Promise<SinkVerdict> {
    const token = await this.tokens.current();
    if (token === undefined) return { kind: 'retry', reason: 'no_token' };
    // Sealed batches come compressed by a worker; halves of a split one and batches read back
    // from the journal are compressed here, on libuv's pool, in one output chunk (zlib's 16 KiB
    // default meant a main-thread callback, a buffer and a stream event per chunk).
    const compressed = sealed ?? (await gzipAsync(body, { level: this.config.compressionLevel, chunkSize: Math.max(64 * 1024, body.length >>> 1) }));
    if (compressed.length > MAX_BODY_BYTES) return rows > 1 ? { kind: 'split', reason: 'gzip_too_large' } : { kind: 'reject', reason: 'row_too_large', error: `gzip body of ${compressed.length} bytes` };
    const path = `/dataCollectionRules/${encodeURIComponent(target.dcrImmutableId)}/streams/${encodeURIComponent(stream)}?api-version=${API_VERSION}`;
    const started = process.hrtime.bigint();
    let answer: Answer;
    try {
      const response = await target.pool.request({
        method: 'POST',
        path,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'x-ms-client-request-id': crypto.randomUUID(),
        },
        body: compressed,
      });
      const text = await response.body.text();
      answer = { status: response.statusCode, headers: response.headers, ...errorOf(text) };
    } catch (err) {
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'network';
      const reason = code.includes('TIMEOUT') ? 'timeout' : 'network';
      this.metrics.requests.inc({ stream, status: reason });
      return { kind: 'retry', reason: `${reason}:${code}` };
    } finally {
      this.metrics.requestSeconds.observe({ stream }, Number(process.hrtime.bigint() - started) / 1e9);
    }
    this.metrics.requests.inc({ stream, status: String(answer.status) });
    const outcome = outcomeOf(answer);
    if (outcome.kind !== 'configuration' && target.problem !== undefined && outcome.kind === 'ok') {
      this.logger.info({ dcr: target.dcrImmutableId, stream }, 'target accepts rows again');
      target.problem = undefined;
    }
    switch (outcome.kind) {
      case 'ok':
        this.metrics.requestBytes.inc({ stream, encoding: 'raw' }, body.length);
        this.metrics.requestBytes.inc({ stream, encoding: 'gzip' }, compressed.length);
        return { kind: 'ok' };
      case 'retry':
        return outcome.afterMs === undefined
          ? { kind: 'retry', reason: `status_${answer.status}` }
          : { kind: 'retry', reason: `status_${answer.status}`, afterMs: outcome.afterMs };
      case 'unauthorized':
        await this.tokens.invalidate(token);
        return { kind: 'retry', reason: 'unauthorized' };
      case 'configuration': {
        const problem = `${describe(answer)} — ${outcome.hint}`;
        if (target.problem !== problem) {
          this.logger.error({ endpoint: target.endpoint, dcr: target.dcrImmutableId, stream, status: answer.status, error: answer.message, fix: outcome.hint }, 'the Logs Ingestion API refuses this target; data is kept and retried');
        }
        target.problem = problem;
        return { kind: 'retry', reason: `status_${answer.status}`, afterMs: this.config.configErrorRetryDelayMs };
      }
      case 'split':
        return rows > 1 ? { kind: 'split', reason: `status_${answer.status}` } : { kind: 'reject', reason: `status_${answer.status}`, error: describe(answer) };
      case 'reject':
        return { kind: 'reject', reason: `status_${answer.status}`, error: describe(answer) };
    }
  }

  async close(): Promise<void> {
    this.tokens.close();
    await Promise.allSettled([...this.pools.values()].map((pool) => pool.close()));
  }
}

function readCa(file: string): string {
  // Read at construction so a bad path fails at start with the config error.
  return String(requireFile(file));
}

function requireFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new AsimdError('ASIMD_SINK_UNAVAILABLE', `sink.azure.caFile: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function errorOf(text: string): { code: string | undefined; message: string } {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return {
      code: typeof parsed.error?.code === 'string' ? parsed.error.code : undefined,
      message: typeof parsed.error?.message === 'string' ? parsed.error.message : text,
    };
  } catch {
    return { code: undefined, message: text };
  }
}
