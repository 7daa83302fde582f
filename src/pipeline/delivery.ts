import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.ts';
import { halves } from '../sinks/batch.ts';
import type { Batch, Sink } from '../sinks/types.ts';
import type { DeadLetterStore } from './dead-letter.ts';

export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** A batch still failing this long after it was cut is given up, counted with reason max_age. */
  maxDataAgeMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 30_000, maxDataAgeMs: 2 * 24 * 3600 * 1000 };

/** What became of a batch: the journal keeps only those cut short by shutdown. */
export type DeliveryOutcome = 'delivered' | 'dead_lettered' | 'given_up' | 'shutdown' | 'lost';

/**
 * A journaled batch whose body was let go to keep memory bounded: it is read
 * back from the journal when its turn comes. A long outage thus fills the
 * disk, not the heap.
 */
export interface SpilledBatch {
  journalId: number;
  stream: string;
  rows: number;
  createdAt: number;
  bodyBytes: number;
}

type Entry = { batch: Batch; spilled?: undefined } | { batch?: undefined; spilled: SpilledBatch };

export interface DeliveryHooks {
  /**
   * Called once per enqueued batch with what became of it: the journal acks
   * every outcome but `shutdown`, whose batches stay journaled for the next start.
   */
  onFinished?(batch: { journalId?: number | undefined; body?: Buffer }, outcome: DeliveryOutcome): void;
  /** Reads a spilled batch back; undefined when it is gone (dropped or unreadable, counted by the journal). */
  load?(spilled: SpilledBatch): Promise<Batch | undefined>;
}

interface StreamQueue {
  stream: string;
  entries: Entry[];
  inFlight: number;
}

/**
 * Owns retry: the sink only returns a verdict for one attempt. retry → back
 * off (Retry-After when the sink has one, else exponential with full jitter);
 * split → send the halves, so a 400 bisects down to the rows at fault; reject
 * → dead-letter store. Each stream has at most sink.concurrencyFor(stream)
 * batches in flight; with one, its batches go out in order.
 */
export class Delivery {
  private readonly queues = new Map<string, StreamQueue>();
  /** Bytes of bodies held in memory: queued in full, or being sent. */
  private pendingBytes = 0;
  /** Batches queued or in flight, spilled or not. */
  private pendingBatches = 0;
  private spilledBytes = 0;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  /** Shutdown with a journal (park()): spilled batches stay on disk; the rest get one attempt. */
  private draining = false;
  /** A journaled batch failed while draining: the remaining journaled ones stay on disk too. */
  private parked = false;
  private readonly wakeups = new Set<() => void>();
  rowsDelivered = 0;

  constructor(
    private readonly sink: Sink,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly deadLetter: DeadLetterStore,
    private readonly onSettled: (bytes: number) => void,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly hooks: DeliveryHooks = {},
  ) {}

  /** Bytes of batch bodies held in memory, queued at or being sent by the sink. */
  get bytes(): number {
    return this.pendingBytes;
  }

  /** Batches queued or being sent, spilled or not. */
  get batches(): number {
    return this.pendingBatches;
  }

  /** Bytes of queued batches whose bodies wait in the journal, not in memory. */
  get spilled(): number {
    return this.spilledBytes;
  }

  enqueue(batch: Batch): void {
    this.pendingBytes += batch.body.length;
    this.push({ batch });
  }

  /** Queues a journaled batch by reference; its body is read back when it is sent. */
  enqueueSpilled(spilled: SpilledBatch): void {
    this.spilledBytes += spilled.bodyBytes;
    this.push({ spilled });
  }

  private push(entry: Entry): void {
    const stream = entry.batch?.stream ?? entry.spilled?.stream ?? '';
    let queue = this.queues.get(stream);
    if (!queue) {
      queue = { stream, entries: [], inFlight: 0 };
      this.queues.set(stream, queue);
    }
    queue.entries.push(entry);
    this.pendingBatches++;
    this.pump(queue);
  }

  private pump(queue: StreamQueue): void {
    const limit = this.sink.concurrencyFor?.(queue.stream) ?? 1;
    while (queue.inFlight < limit && queue.entries.length > 0) {
      const entry = queue.entries.shift() as Entry;
      queue.inFlight++;
      void this.take(entry).then(({ outcome, memoryBytes }) => {
        this.hooks.onFinished?.(entry.batch ?? entry.spilled ?? {}, outcome);
        queue.inFlight--;
        this.pendingBatches--;
        this.pendingBytes -= memoryBytes;
        this.onSettled(memoryBytes);
        this.pump(queue);
        if (this.pendingBatches === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const wake of waiters) wake();
        }
      });
    }
  }

  /** Sends one queued entry, reading it back from the journal first when it was spilled. */
  private async take(entry: Entry): Promise<{ outcome: DeliveryOutcome; memoryBytes: number }> {
    const journaled = entry.batch ? entry.batch.journalId !== undefined : true;
    if ((this.parked && journaled) || (this.draining && entry.spilled)) return { outcome: 'shutdown', memoryBytes: entry.batch?.body.length ?? 0 };
    if (entry.batch) return { outcome: await this.deliver(entry.batch), memoryBytes: entry.batch.body.length };
    const spilled = entry.spilled;
    this.spilledBytes -= spilled.bodyBytes;
    const batch = await this.hooks.load?.(spilled);
    if (!batch) return { outcome: 'lost', memoryBytes: 0 };
    batch.journalId = spilled.journalId;
    this.pendingBytes += batch.body.length;
    return { outcome: await this.deliver(batch), memoryBytes: batch.body.length };
  }

  private async deliver(batch: Batch, journaled = batch.journalId !== undefined): Promise<DeliveryOutcome> {
    const sink = this.sink.name;
    for (let attempt = 0; ; attempt++) {
      let verdict;
      try {
        verdict = await this.sink.send(batch);
      } catch (err) {
        // Sinks answer with verdicts; an exception is a bug, retried like a network error.
        verdict = { kind: 'retry', reason: 'sink_exception' } as const;
        this.logger.error({ err }, 'sink threw instead of returning a verdict');
      }
      switch (verdict.kind) {
        case 'ok':
          this.rowsDelivered += batch.rows;
          this.metrics.batches.inc({ sink, stream: batch.stream });
          this.metrics.batchBytes.inc({ sink, stream: batch.stream }, batch.body.length);
          this.metrics.rows.inc({ sink, stream: batch.stream }, batch.rows);
          if (attempt > 0) this.logger.info({ stream: batch.stream, attempts: attempt + 1 }, 'batch delivered after retrying');
          return 'delivered';
        case 'retry': {
          this.metrics.sinkRetries.inc({ sink, reason: verdict.reason });
          if (attempt === 0) this.logger.warn({ stream: batch.stream, reason: verdict.reason }, 'sink attempt failed; retrying');
          if (this.draining && journaled) {
            // The destination is failing at shutdown: what is journaled waits for the next start.
            this.parked = true;
            return 'shutdown';
          }
          if (this.stopped || Date.now() - batch.createdAt > this.retry.maxDataAgeMs) {
            const reason = this.stopped ? 'shutdown' : 'max_age';
            this.metrics.dropped.inc({ source: 'sink', reason }, batch.rows);
            this.logger.error({ stream: batch.stream, rows: batch.rows, reason, lastError: verdict.reason }, 'gave up on a batch');
            return this.stopped ? 'shutdown' : 'given_up';
          }
          // Full jitter spreads the retries of many agents instead of synchronizing them.
          const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** Math.min(attempt, 20));
          await this.sleep(verdict.afterMs ?? Math.random() * ceiling);
          break;
        }
        case 'split':
          this.metrics.sinkSplits.inc({ sink, reason: verdict.reason });
          if (batch.rows > 1) {
            const [first, second] = halves(batch);
            const outcomes = [await this.deliver(first, journaled), await this.deliver(second, journaled)];
            // Stopped halfway: keep the whole batch journaled; a replay may resend the delivered half.
            return outcomes.includes('shutdown') ? 'shutdown' : 'delivered';
          }
          await this.reject(batch, verdict.reason, `a single row is refused: ${verdict.reason}`);
          return 'dead_lettered';
        case 'reject':
          await this.reject(batch, verdict.reason, verdict.error);
          return 'dead_lettered';
      }
    }
  }

  private async reject(batch: Batch, reason: string, error: string): Promise<void> {
    try {
      await this.deadLetter.write(batch, reason, error);
      this.metrics.deadLettered.inc({ stream: batch.stream, reason }, batch.rows);
      this.logger.warn({ stream: batch.stream, rows: batch.rows, reason, error }, 'rows refused by the destination were dead-lettered');
    } catch (err) {
      this.metrics.dropped.inc({ source: 'sink', reason: 'dead_letter_failed' }, batch.rows);
      this.logger.error({ err, stream: batch.stream, rows: batch.rows, reason }, 'could not write refused rows to the dead-letter store');
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
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
    if (this.pendingBatches === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Graceful shutdown with a journal: batches held in memory get one more
   * attempt, but nothing waits for a failing destination or reads a backlog
   * back from disk: a journaled batch that is spilled, or whose attempt fails,
   * stays in the journal for the next start.
   */
  park(): void {
    this.draining = true;
    for (const wake of [...this.wakeups]) wake();
    for (const queue of this.queues.values()) this.pump(queue);
  }

  /** At the shutdown deadline: stop waiting between retries and give up on what cannot be sent. */
  stop(): void {
    this.stopped = true;
    for (const wake of [...this.wakeups]) wake();
  }
}
