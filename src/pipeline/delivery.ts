import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.ts';
import type { Batch, Sink } from '../sinks/types.ts';

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 30_000 };

interface StreamQueue {
  batches: Batch[];
  busy: boolean;
}

/**
 * Owns retry: the sink only returns a verdict for one attempt. Batches of one
 * stream go out in order, one at a time; streams proceed independently.
 */
export class Delivery {
  private readonly queues = new Map<string, StreamQueue>();
  private pendingBytes = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  private readonly wakeups = new Set<() => void>();
  rowsDelivered = 0;

  constructor(
    private readonly sink: Sink,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly onSettled: (bytes: number) => void,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** Bytes queued at or being sent by the sink. */
  get bytes(): number {
    return this.pendingBytes;
  }

  enqueue(batch: Batch): void {
    let queue = this.queues.get(batch.stream);
    if (!queue) {
      queue = { batches: [], busy: false };
      this.queues.set(batch.stream, queue);
    }
    queue.batches.push(batch);
    this.pendingBytes += batch.body.length;
    void this.run(queue);
  }

  private async run(queue: StreamQueue): Promise<void> {
    if (queue.busy) return;
    queue.busy = true;
    while (queue.batches.length > 0) {
      const batch = queue.batches[0] as Batch;
      await this.deliver(batch);
      queue.batches.shift();
      this.pendingBytes -= batch.body.length;
      this.onSettled(batch.body.length);
    }
    queue.busy = false;
    if (this.pendingBytes === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private async deliver(batch: Batch): Promise<void> {
    const sink = this.sink.name;
    for (let attempt = 0; ; attempt++) {
      const verdict = await this.sink.send(batch);
      switch (verdict.kind) {
        case 'ok':
          this.rowsDelivered += batch.rows;
          this.metrics.batches.inc({ sink, stream: batch.stream });
          this.metrics.batchBytes.inc({ sink, stream: batch.stream }, batch.body.length);
          this.metrics.rows.inc({ sink, stream: batch.stream }, batch.rows);
          if (attempt > 0) this.logger.info({ stream: batch.stream, attempts: attempt + 1 }, 'sink recovered');
          return;
        case 'retry': {
          this.metrics.sinkErrors.inc({ sink, reason: verdict.reason });
          if (attempt === 0) this.logger.warn({ stream: batch.stream, reason: verdict.reason }, 'sink attempt failed; retrying with backoff');
          if (this.stopped) {
            this.metrics.dropped.inc({ source: 'sink', reason: 'shutdown' }, batch.rows);
            return;
          }
          // Full jitter: spread retries of many agents instead of synchronizing them.
          const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** Math.min(attempt, 20));
          await this.sleep(verdict.afterMs ?? Math.random() * ceiling);
          break;
        }
        case 'split':
        case 'reject':
          this.metrics.dropped.inc({ source: 'sink', reason: 'sink_rejected' }, batch.rows);
          this.logger.error({ stream: batch.stream, rows: batch.rows, reason: verdict.reason }, 'sink rejected a batch');
          return;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakeups.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakeups.add(wake);
    });
  }

  /** Resolves when every queued batch has been delivered or given up. */
  idle(): Promise<void> {
    if (this.pendingBytes === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** At the shutdown deadline: stop waiting between retries and give up on what cannot be sent. */
  stop(): void {
    this.stopped = true;
    for (const wake of [...this.wakeups]) wake();
  }
}
