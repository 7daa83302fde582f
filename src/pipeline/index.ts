import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { Piscina } from 'piscina';
import type { Config } from '../config/schema.ts';
import { errorCodeOf } from '../errors/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { Batch, Sink } from '../sinks/types.ts';
import { StreamBatcher } from './batcher.ts';
import { BodyPool } from './body-pool.ts';
import { MAIN_THREAD_KEEPER_BYTES, MemoryKeeper } from './memory-keeper.ts';
import { splitByBytes } from './split.ts';
import { DeadLetterStore, MAX_DEAD_LETTER_DOCUMENT } from './dead-letter.ts';
import { Delivery, type DeliveryOutcome } from './delivery.ts';
import { SegmentJournal, type AppendResult } from './journal/index.ts';
import { FACILITY_NAMES, SEVERITY_NAMES, policyOf } from '../sources/config.ts';
import type { DocumentOutcome, DocumentSource, FrameTask, SealResult, SealTask, SourceName, TaskResult, WorkerOptions, WorkerPolicy } from './task.ts';
import { TaskBuilder, transferListOf } from './task-builder.ts';
import { URGENT, UrgentFirstQueue } from './task-queue.ts';
import { warmUpTask } from './warm-up.ts';

/** What a source sees of the pipeline. */
export interface FrameSink {
  /** Queues one frame, copied out of `chunk`. Call `full` afterwards to decide whether to keep reading. */
  push(source: SourceName, chunk: Uint8Array, start: number, end: number, peer: string, receivedAt: number, flags: number): void;
  /** True while the input queue's byte budget is spent. */
  readonly full: boolean;
  /** Emitted when the input queue has room again after being full. */
  on(event: 'drain', listener: () => void): this;
  off(event: 'drain', listener: () => void): this;
}

/**
 * What a batch is counted for in the output budget besides its body: 100,000
 * one-row batches held about 6 KiB each. With rows cycling through 20 time
 * periods (bench/time-windows.ts 50000 20) peak RSS was 390 MiB without it,
 * 346–355 with it.
 */
const BATCH_OVERHEAD_BYTES = 8 * 1024;

// Under tap the daemon runs from TypeScript sources, and workers inherit the loader.
const WORKER_FILE = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url).href;

const NEWLINE = 0x0a;
const COMMA = 0x2c;

/** An HTTP request's documents within a group: where they start, how many, their bytes, and its answer. */
interface DocumentRequest {
  from: number;
  count: number;
  bytes: number;
  resolve: (outcomes: DocumentOutcome[]) => void;
  reject: (err: unknown) => void;
}

/**
 * The main thread's half of the data flow: frames → tasks → pool → batchers →
 * delivery. Two byte budgets bound it: the input queue (frames not yet turned
 * into rows) and the output (rows not yet accepted by the sink). When the
 * output is over budget no task starts, so the input fills and sources feel it.
 */
export class Pipeline extends EventEmitter implements FrameSink {
  private readonly pool: Piscina<FrameTask | SealTask, TaskResult | SealResult>;
  private readonly builders = new Map<SourceName, TaskBuilder>();
  private readonly lingerTimers = new Map<SourceName, NodeJS.Timeout>();
  private readonly waiting: Array<{ task: FrameTask; bytes: number; seq: number }> = [];
  /** Requests waiting for their documents' outcomes, by task sequence number. */
  private readonly reporting = new Map<number, { resolve: (outcomes: DocumentOutcome[]) => void; reject: (err: unknown) => void }>();
  /** HTTP documents waiting for the end of this turn, to go to the pool together (see submitDocumentGroup). */
  private readonly documentGroups = new Map<
    DocumentSource,
    { documents: Uint8Array[]; peers: string[]; bytes: number; requests: DocumentRequest[] }
  >();
  /** Results that finished before an earlier task, held so rows leave in arrival order. */
  private readonly finished = new Map<number, () => void>();
  private nextSubmitSeq = 0;
  private nextApplySeq = 0;
  private readonly batchers = new Map<string, StreamBatcher>();
  /** Bodies for batches a worker gzips for the sink, reused once delivered (see BodyPool). */
  private readonly bodies: BodyPool | undefined;
  private readonly memoryKeeper = new MemoryKeeper(MAIN_THREAD_KEEPER_BYTES);
  private readonly delivery: Delivery;
  private readonly deadLetter: DeadLetterStore;
  private journal: SegmentJournal | undefined;
  /**
   * Batches on their way into the journal, in the order they were cut; they
   * go to delivery in that order even when the journal refused one (full, or a
   * disk error) and it is appended again later.
   */
  private readonly journalQueue: JournalSlot[] = [];
  /** Bytes of journalQueue; they count against the output budget. */
  private journaling = 0;
  private refusedCount = 0;
  private refusedTimer: NodeJS.Timeout | undefined;
  private lastRefusal = '';
  /** While set, batches cut by the batchers add their journal promise here (an HTTP request waiting for its rows). */
  private journalWaits: Array<Promise<void>> | undefined;
  /** HTTP requests whose rows are cut and journaled together at the end of this turn (see answerWhenJournaled). */
  private answering: { waits: Array<Promise<void>>; answers: Array<() => void>; streams: Set<string> } | undefined;
  private readonly maxRunning: number;
  private queued = 0;
  /** Frames accepted from sources since start; logged at shutdown to prove nothing was lost. */
  accepted = 0;
  private busyMs = 0;
  private intakeClosed = false;
  private running = 0;
  private wasFull = false;
  private settledWaiters: Array<() => void> = [];
  readonly threads: number;

  constructor(
    private readonly config: Config,
    private readonly sink: Sink,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    super();
    this.threads = config.pipeline.workers || availableParallelism();
    const workerData: WorkerOptions = {
      streams: config.streams,
      policies: workerPolicies(config),
      rowSeparator: sink.framing === 'json-array' ? COMMA : NEWLINE,
    };
    this.pool = new Piscina<FrameTask | SealTask, TaskResult | SealResult>({
      filename: WORKER_FILE,
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      taskQueue: new UrgentFirstQueue(),
      // piscina's timing histograms cost main-thread time per task (percentiles on
      // every read); workers report their busy time instead.
      recordTiming: false,
      workerData,
    });
    // Two tasks per thread keeps every worker busy without building a second,
    // unbudgeted queue inside piscina.
    this.maxRunning = this.threads * 2;
    this.bodies = sink.gzipLevel === undefined ? undefined : new BodyPool(config.batch.maxBytes, config.pipeline.outputBytes);
    this.deadLetter = new DeadLetterStore(config.deadLetter.directory);
    this.delivery = new Delivery(
      sink,
      metrics,
      logger,
      this.deadLetter,
      () => this.pump(),
      { baseDelayMs: 100, maxDelayMs: config.delivery.maxRetryDelayMs, maxDataAgeMs: config.delivery.maxDataAgeMs },
      {
        onFinished: (batch, outcome) => {
          // Every attempt (and split half) is over: the body is not read again in this process.
          if (batch.body) this.bodies?.release(batch.body);
          this.onDelivered(batch.journalId, outcome);
        },
        load: (spilled) => this.journal?.read(spilled.journalId) ?? Promise.resolve(undefined),
      },
    );
    metrics.queueLimitBytes.set(config.pipeline.queueBytes);
    metrics.poolThreads.set(this.threads);
    metrics.poolThreadCount = this.threads;
    metrics.poolBusyReader = () => this.busyMs;
    this.pool.on('error', (err: unknown) => this.logger.error({ err }, 'worker pool error'));
  }

  /** Sources pause, and HTTP answers 503, while the input budget is spent or the journal refuses batches. */
  get full(): boolean {
    return this.intakeClosed || this.queued >= this.config.pipeline.queueBytes || this.refusedCount > 0;
  }

  /** Shutdown: from now on `full` is true, so HTTP sources answer 503 and their senders retry later. */
  closeIntake(): void {
    this.intakeClosed = true;
  }

  get queueBytes(): number {
    return this.queued;
  }

  /**
   * Opens the journal (when enabled) and queues what it holds from before a
   * crash or restart ahead of anything new. Bodies stay on disk until their
   * turn, so a journal larger than memory replays in flat memory. Call before
   * sources start.
   */
  async open(): Promise<void> {
    await this.warmUp();
    const settings = this.config.journal;
    if (!settings.enabled) return;
    const { journal, recovered, dropped } = await SegmentJournal.open(
      {
        directory: settings.directory,
        maxBytes: settings.maxBytes,
        segmentBytes: Math.min(settings.segmentBytes, Math.floor(settings.maxBytes / 4)),
        fsync: settings.fsync,
        fsyncIntervalMs: settings.fsyncIntervalMs,
        whenFull: settings.whenFull,
      },
      { onLoss: (reason, batches) => this.metrics.journalLost.inc({ reason }, batches), logger: this.logger },
    );
    this.journal = journal;
    journal.on('drain', () => this.appendRefused());
    if (dropped.batches > 0) this.logger.warn({ batches: dropped.batches, bytes: dropped.bytes, reasons: dropped.reasons }, 'journal: unreadable batches dropped at start');
    for (const { id, ...ref } of recovered) this.delivery.enqueueSpilled({ journalId: id, ...ref });
    this.metrics.journalReplayed.inc(recovered.length);
    this.metrics.journalBytes.set(journal.bytes);
    if (recovered.length > 0) this.logger.info({ batches: recovered.length, bytes: journal.bytes }, 'journal: replaying undelivered batches');
  }

  /** Two warm-up tasks per worker thread (see warm-up.ts); their rows go nowhere. */
  private async warmUp(): Promise<void> {
    const started = performance.now();
    const tasks = Array.from({ length: this.threads * 2 }, () => warmUpTask());
    await Promise.all(tasks.map((task) => this.pool.run(task, { transferList: transferListOf(task) })));
    this.logger.debug({ ms: Math.round(performance.now() - started) }, 'workers warmed up');
  }

  /**
   * A batch leaves the batcher: into the journal first (when enabled), then to
   * delivery. While an HTTP request's rows are being cut (journalWaits), the
   * promise of each batch's journal write is collected: the request is
   * answered only once they are all on disk.
   */
  private deliverBatch(batch: Batch): void {
    if (!this.journal && this.sink.gzipLevel === undefined) {
      this.delivery.enqueue(batch);
      return;
    }
    let journaled!: () => void;
    const written = new Promise<void>((resolve) => (journaled = resolve));
    this.journalWaits?.push(written);
    const slot: JournalSlot = { batch, state: 'sealing', id: undefined, journaled, bytes: batch.body.length };
    this.journalQueue.push(slot);
    this.journaling += batch.body.length;
    this.seal(slot);
  }

  /**
   * A worker computes the body's CRC-32 (for the journal) and its gzip (for the
   * sink), so the main thread does neither (DESIGN.md §1 rule 4). A body in
   * shared memory (BodyPool) is read there in place; any other travels to the
   * worker and back by transfer, unless it sits in Node's shared buffer pool
   * (8 KiB on Node 20, 64 KiB on Node 24), which must not be transferred: then
   * it is copied.
   */
  private seal(slot: JournalSlot): void {
    const body = slot.batch.body;
    const task: SealTask = { kind: 'seal', body, gzipLevel: this.sink.gzipLevel };
    // Ahead of queued frame tasks (see UrgentFirstQueue); the symbol is not posted to the worker.
    Object.defineProperty(task, Piscina.queueOptionsSymbol, { value: URGENT });
    const shared = body.buffer instanceof SharedArrayBuffer;
    const pooled = body.buffer.byteLength === Buffer.poolSize && body.byteLength < Buffer.poolSize >>> 1;
    const transfer = !pooled && !shared;
    // The pool runs two kinds of task; a seal task always answers with a SealResult.
    const sealed = this.pool.run(task, transfer ? { transferList: [body.buffer] } : {}) as Promise<SealResult>;
    sealed.then(
      ({ body: returned, crc, gzip }) => {
        // A shared body keeps its own Buffer: the one the pool lent, to be released.
        const sealedBody = shared ? body : Buffer.from(returned.buffer, returned.byteOffset, returned.byteLength);
        slot.batch = { ...slot.batch, body: sealedBody, bodyCrc: crc, gzip };
        this.memoryKeeper.check();
        slot.state = 'sealed';
        this.forwardSealed();
      },
      (err: unknown) => {
        this.logger.error({ err, code: errorCodeOf(err), stream: slot.batch.stream }, 'a worker could not seal a batch');
        // Unsealed, the batch goes on as it is (the journal checksums it, the sink compresses it),
        // unless its body went to the worker with the task and is gone.
        if (transfer && body.buffer.byteLength === 0) {
          this.metrics.dropped.inc({ source: 'sink', reason: 'seal_failed' }, slot.batch.rows);
          slot.batch = { ...slot.batch, body: Buffer.alloc(0), rows: 0, ends: new Uint32Array(0) };
        }
        slot.state = 'sealed';
        this.forwardSealed();
      },
    );
  }

  /** Sealed batches go on in the order they were cut: into the journal, or straight to delivery without one. */
  private forwardSealed(): void {
    const journal = this.journal;
    for (const slot of this.journalQueue) {
      if (slot.state === 'sealing') break;
      if (slot.state !== 'sealed') continue;
      if (slot.batch.rows === 0) this.written(slot, undefined);
      else if (!journal) this.written(slot, undefined);
      else if (this.refusedCount > 0) this.refuse(slot, undefined);
      else this.appendToJournal(journal, slot);
    }
  }

  private appendToJournal(journal: SegmentJournal, slot: JournalSlot): void {
    slot.state = 'writing';
    void journal.append(slot.batch).then((result) => this.onAppended(journal, slot, result));
  }

  private onAppended(journal: SegmentJournal, slot: JournalSlot, result: AppendResult): void {
    if (result.ok) {
      this.metrics.journalBytes.set(journal.bytes);
      this.written(slot, result.id);
      return;
    }
    this.metrics.journalAppendFailures.inc({ reason: result.reason });
    if (result.reason === 'too_large') {
      // Larger than the whole journal: it can never be written, so it goes on from memory.
      this.logger.error({ stream: slot.batch.stream, bytes: slot.batch.body.length, error: result.error }, 'journal: a batch larger than journal.maxBytes is sent from memory only');
      this.written(slot, undefined);
      return;
    }
    this.refuse(slot, result);
  }

  /**
   * Full (whenFull: block) or a disk error: the batch is held (it counts
   * against the output budget, and `full` is true, so sources pause) and
   * appended again once the journal has room, or every second for disk errors
   * that clear by themselves.
   */
  private refuse(slot: JournalSlot, result: Extract<AppendResult, { ok: false }> | undefined): void {
    if (result && this.lastRefusal !== result.reason) {
      this.lastRefusal = result.reason;
      this.logger.warn({ reason: result.reason, error: result.error, journalBytes: this.journal?.diskBytes }, 'journal: refusing batches; sources pause until it has room');
    }
    slot.state = 'refused';
    this.refusedCount++;
    this.wasFull = true;
    this.refusedTimer ??= setInterval(() => this.appendRefused(), 1000);
  }

  private appendRefused(): void {
    const journal = this.journal;
    if (!journal || this.refusedCount === 0) return;
    clearInterval(this.refusedTimer);
    this.refusedTimer = undefined;
    this.refusedCount = 0;
    for (const slot of this.journalQueue) if (slot.state === 'refused') this.appendToJournal(journal, slot);
    this.checkDrain();
  }

  /** The batch is journaled (or, without an id, can only be sent from memory): release what is now in order. */
  private written(slot: JournalSlot, id: number | undefined): void {
    slot.state = 'written';
    slot.id = id;
    slot.journaled();
    if (id !== undefined && this.lastRefusal !== '') {
      this.logger.info('journal: accepting batches again');
      this.lastRefusal = '';
    }
    while (this.journalQueue[0]?.state === 'written') {
      const { batch, id: journalId, bytes } = this.journalQueue.shift() as JournalSlot;
      this.journaling -= bytes;
      if (batch.rows === 0) continue;
      // Up to half the output budget, bodies stay in memory; beyond it they are read back from disk when sent.
      if (journalId === undefined) this.delivery.enqueue(batch);
      else if (this.delivery.bytes + batch.body.length <= this.config.pipeline.outputBytes / 2) this.delivery.enqueue({ ...batch, journalId });
      else {
        this.delivery.enqueueSpilled({ journalId, stream: batch.stream, rows: batch.rows, createdAt: batch.createdAt, bodyBytes: batch.body.length });
        // Written to the journal and read back from there when sent.
        this.bodies?.release(batch.body);
      }
    }
    this.pump();
  }

  private onDelivered(journalId: number | undefined, outcome: DeliveryOutcome): void {
    if (journalId === undefined || outcome === 'shutdown' || outcome === 'lost' || !this.journal) return;
    const journal = this.journal;
    void journal.ack(journalId).then(() => this.metrics.journalBytes.set(journal.bytes));
  }

  get outputBytes(): number {
    // A batch costs memory besides its body (its objects, journal slot and request): counted, so a flood of
    // one-row batches fills the budget and pauses the sources as large ones do.
    let bytes = this.delivery.bytes + this.journaling + (this.delivery.batches + this.journalQueue.length) * BATCH_OVERHEAD_BYTES;
    for (const batcher of this.batchers.values()) bytes += batcher.bytes;
    return bytes;
  }

  /** Batches in the journal not yet delivered (at shutdown: what the next start sends). */
  get journalBatches(): number {
    return this.journal?.size ?? 0;
  }

  get rowsDelivered(): number {
    return this.delivery.rowsDelivered;
  }

  /** The source's task builder: its shared arrays are kept for reuse, as many as the input budget can hold. */
  private builderOf(source: SourceName): TaskBuilder {
    let builder = this.builders.get(source);
    if (!builder) {
      const { taskBytes, taskFrames, queueBytes } = this.config.pipeline;
      builder = new TaskBuilder(source, taskBytes, taskFrames, Math.ceil(queueBytes / taskBytes) + this.maxRunning);
      this.builders.set(source, builder);
    }
    return builder;
  }

  push(source: SourceName, chunk: Uint8Array, start: number, end: number, peer: string, receivedAt: number, flags: number): void {
    const builder = this.builderOf(source);
    const size = end - start;
    if (!builder.fits(size)) this.submit(source);
    builder.add(chunk, start, end, peer, receivedAt, flags);
    this.queued += size;
    this.accepted++;
    if (this.queued >= this.config.pipeline.queueBytes) this.wasFull = true;
    if (!builder.fits(1)) this.submit(source);
    else if (!this.lingerTimers.has(source)) {
      this.lingerTimers.set(
        source,
        setTimeout(() => this.submit(source), this.config.pipeline.taskLingerMs),
      );
    }
  }

  /**
   * HTTP sources: the documents of one request go to the pool as one task, and
   * the promise says what became of each once its rows are in the batchers —
   * so the request is answered only when its records are safe in the pipeline
   * (or with the reason they are not).
   */
  submitDocuments(source: DocumentSource, documents: readonly Uint8Array[], peer: string): Promise<DocumentOutcome[]> {
    if (documents.length === 0) return Promise.resolve([]);
    const { taskBytes, taskFrames } = this.config.pipeline;
    let bytes = 0;
    for (const document of documents) bytes += document.byteLength;
    let group = this.documentGroups.get(source);
    // A group is one task: a request that would take it past a task's size or frames goes into the next.
    if (group && (group.bytes + bytes > taskBytes || group.documents.length + documents.length > taskFrames)) {
      this.submitDocumentGroup(source);
      group = undefined;
    }
    if (!group) {
      group = { documents: [], peers: [], requests: [], bytes: 0 };
      this.documentGroups.set(source, group);
      setImmediate(() => this.submitDocumentGroup(source));
    }
    const from = group.documents.length;
    for (const document of documents) {
      group.documents.push(document);
      group.peers.push(peer);
    }
    group.bytes += bytes;
    const outcome = new Promise<DocumentOutcome[]>((resolve, reject) => group.requests.push({ from, count: documents.length, bytes, resolve, reject }));
    if (group.bytes >= taskBytes) this.submitDocumentGroup(source);
    return outcome.then(async (outcomes) => {
      await this.keepUnusableDocuments(source, documents, outcomes);
      return outcomes;
    });
  }

  /**
   * The documents of the requests that arrived in one event loop turn go to
   * the pool together (up to pipeline.taskBytes): one hand-off, one result and
   * one group commit for many requests instead of one each. They are split
   * over the threads that are idle, whole requests each, so that one turn's
   * requests are parsed in parallel rather than by one worker while another
   * waits. Each request gets the outcomes of its own documents.
   */
  private submitDocumentGroup(source: DocumentSource): void {
    const group = this.documentGroups.get(source);
    if (!group) return;
    this.documentGroups.delete(source);
    const parts = Math.max(1, this.threads - this.running);
    for (const requests of splitByBytes(group.requests, parts)) {
      this.submitDocumentTask(source, group, requests, requests.reduce((sum, request) => sum + request.bytes, 0));
    }
  }

  private submitDocumentTask(source: DocumentSource, group: { documents: Uint8Array[]; peers: string[] }, requests: DocumentRequest[], bytes: number): void {
    const from = requests[0]?.from ?? 0;
    const last = requests[requests.length - 1];
    const to = last ? last.from + last.count : from;
    const { taskBytes, taskFrames } = this.config.pipeline;
    // Into the source's shared, reused arrays like syslog frames; only a request larger than a task gets arrays of its own.
    const builder = bytes <= taskBytes && to - from <= taskFrames ? this.builderOf(source) : new TaskBuilder(source, Math.max(bytes, 1), to - from, 0);
    const receivedAt = Date.now();
    for (let index = from; index < to; index++) {
      const document = group.documents[index] as Uint8Array;
      builder.add(document, 0, document.byteLength, group.peers[index] ?? '', receivedAt, 0);
    }
    const task = builder.take() as FrameTask;
    task.report = true;
    this.queued += bytes;
    this.accepted += to - from;
    if (this.queued >= this.config.pipeline.queueBytes) this.wasFull = true;
    this.metrics.received.inc({ source }, task.count);
    this.metrics.receivedBytes.inc({ source }, bytes);
    const seq = this.nextSubmitSeq++;
    this.reporting.set(seq, {
      resolve: (outcomes) => {
        for (const request of requests) request.resolve(outcomes.slice(request.from - from, request.from - from + request.count));
      },
      reject: (err) => {
        for (const request of requests) request.reject(err);
      },
    });
    this.waiting.push({ task, bytes, seq });
    this.pump();
  }

  /**
   * A request that is acknowledged although some of its documents were not
   * usable at all (not JSON, not a CloudTrail file…): those are kept in the
   * dead-letter store, raw, before the answer. When none was usable the
   * request is refused (400) and the sender keeps it, so nothing is kept here.
   */
  private async keepUnusableDocuments(source: DocumentSource, documents: readonly Uint8Array[], outcomes: readonly DocumentOutcome[]): Promise<void> {
    const unusable = outcomes.flatMap((outcome, index) => (outcome.error === undefined ? [] : [{ error: outcome.error, document: documents[index] }]));
    if (unusable.length === 0 || unusable.length === outcomes.length) return;
    const records = unusable.map(({ error, document }) => ({
      reason: 'invalid_document',
      error,
      record: document ? Buffer.from(document.buffer, document.byteOffset, Math.min(document.byteLength, MAX_DEAD_LETTER_DOCUMENT)).toString('utf8') : '',
    }));
    try {
      await this.deadLetter.writeRecords(source, records);
      this.metrics.deadLettered.inc({ stream: source, reason: 'invalid_document' }, records.length);
    } catch (err) {
      this.metrics.dropped.inc({ source, reason: 'dead_letter_failed' }, records.length);
      this.logger.error({ err, source, documents: records.length }, 'could not keep unusable documents in the dead-letter store');
    }
  }

  private submit(source: SourceName): void {
    const timer = this.lingerTimers.get(source);
    if (timer) {
      clearTimeout(timer);
      this.lingerTimers.delete(source);
    }
    const task = this.builders.get(source)?.take();
    if (!task) return;
    this.metrics.received.inc({ source }, task.count);
    this.metrics.receivedBytes.inc({ source }, task.data.byteLength);
    this.waiting.push({ task, bytes: task.data.byteLength, seq: this.nextSubmitSeq++ });
    this.metrics.queueBytes.set(this.queued);
    this.pump();
  }

  /** Starts waiting tasks while the pool has room and the output has budget. */
  private pump(): void {
    while (this.waiting.length > 0 && this.running < this.maxRunning && this.outputBytes < this.config.pipeline.outputBytes) {
      const next = this.waiting.shift();
      if (!next) break;
      this.running++;
      const { task, bytes, seq } = next;
      const source = task.source;
      const count = task.count;
      // A frame task always answers with a TaskResult.
      (this.pool.run(task, { transferList: transferListOf(task) }) as Promise<TaskResult>).then(
        (result) => {
          // The worker is done with the task's shared arrays: the next task of this source reuses them.
          this.builders.get(source)?.recycle({ data: task.data.buffer, ends: task.ends, flags: task.flags, receivedAt: task.receivedAt, peerIndex: task.peerIndex });
          this.inOrder(seq, () => {
            const report = this.reporting.get(seq);
            this.reporting.delete(seq);
            if (!report) return this.onResult(source, bytes, result);
            this.answerWhenJournaled(() => this.onResult(source, bytes, result), result, () => report.resolve(result.documents ?? []));
          });
        },
        (err: unknown) =>
          this.inOrder(seq, () => {
            this.onFailure(source, count, bytes, err);
            this.reporting.get(seq)?.reject(err);
            this.reporting.delete(seq);
          }),
      );
    }
    this.metrics.outputBytes.set(this.outputBytes);
  }

  /**
   * An HTTP request is answered once its rows are journaled. Its rows are cut
   * into batches at the end of the event loop turn, together with those of
   * every other request whose result arrived in that turn (group commit): one
   * batch, one seal, one journal write and one sink request per stream for all
   * of them, not for each. Until then every batch cut (by size, or by other
   * results) is waited for too, so no row of these requests is missed.
   */
  private answerWhenJournaled(apply: () => void, result: TaskResult, answer: () => void): void {
    let group = this.answering;
    if (!group) {
      group = { waits: [], answers: [], streams: new Set() };
      this.answering = group;
      setImmediate(() => this.closeAnswering());
    }
    this.journalWaits = group.waits;
    apply();
    for (const output of result.outputs) group.streams.add(output.stream);
    group.answers.push(answer);
  }

  private closeAnswering(): void {
    const group = this.answering;
    if (!group) return;
    if (this.journal) for (const stream of group.streams) this.batchers.get(stream)?.flush();
    this.answering = undefined;
    this.journalWaits = undefined;
    void Promise.all(group.waits).then(() => {
      for (const answer of group.answers) answer();
    });
  }

  /**
   * Workers finish in any order; applying results in submission order keeps
   * each sender's rows in the order it sent them. At most maxRunning results wait.
   */
  private inOrder(seq: number, apply: () => void): void {
    this.finished.set(seq, apply);
    for (let next = this.finished.get(this.nextApplySeq); next !== undefined; next = this.finished.get(this.nextApplySeq)) {
      this.finished.delete(this.nextApplySeq);
      this.nextApplySeq++;
      next();
    }
  }

  private onResult(source: SourceName, bytes: number, result: TaskResult): void {
    this.memoryKeeper.check();
    this.metrics.tasks.inc({ outcome: 'ok' });
    this.busyMs += result.busyMs;
    const { counts } = result;
    for (const [format, count] of Object.entries(counts.formats)) this.metrics.parsed.inc({ source, format }, count);
    for (const [reason, count] of Object.entries(counts.problems)) this.metrics.failed.inc({ source, reason }, count);
    for (const [reason, count] of Object.entries(counts.filtered)) this.metrics.filtered.inc({ source, reason }, count);
    if (counts.invalidUtf8) this.metrics.invalidUtf8.inc({ source }, counts.invalidUtf8);
    for (const document of result.documents ?? []) {
      if (document.error !== undefined) this.metrics.failed.inc({ source, reason: 'invalid_document' });
      if (document.skipped) this.metrics.filtered.inc({ source, reason: 'skipped' }, document.skipped);
      for (const { reason } of document.rejected) this.metrics.deadLettered.inc({ stream: source, reason });
      if (document.rejected.length) {
        this.deadLetter.writeRecords(source, document.rejected).catch((err: unknown) => this.logger.error({ err }, 'dead-letter write failed'));
      }
    }
    for (const output of result.outputs) {
      this.batcherFor(output.stream).append(output);
      // Copied into a batch: the worker may write its next rows there.
      if (output.release) Atomics.store(output.release, 0, 0);
    }
    this.settle(bytes);
  }

  private onFailure(source: SourceName, count: number, bytes: number, err: unknown): void {
    // Parsers never throw by contract; reaching here is a bug, so the frames are
    // counted as dropped and the error logged, once per task, not per frame.
    this.metrics.tasks.inc({ outcome: 'error' });
    this.metrics.dropped.inc({ source, reason: 'worker_error' }, count);
    this.logger.error({ err, code: errorCodeOf(err), frames: count }, 'worker task failed');
    this.settle(bytes);
  }

  private settle(bytes: number): void {
    this.running--;
    this.queued -= bytes;
    this.metrics.queueBytes.set(this.queued);
    this.checkDrain();
    this.pump();
    if (this.running === 0 && this.waiting.length === 0) {
      const waiters = this.settledWaiters;
      this.settledWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private checkDrain(): void {
    if (this.wasFull && !this.full) {
      this.wasFull = false;
      this.emit('drain');
    }
  }

  private batcherFor(stream: string): StreamBatcher {
    let batcher = this.batchers.get(stream);
    if (!batcher) {
      batcher = new StreamBatcher(stream, this.sink.framing, this.config.batch, (batch: Batch) => this.deliverBatch(batch), this.bodies);
      this.batchers.set(stream, batcher);
    }
    return batcher;
  }

  /** Shutdown: hand over partial tasks, wait for the pool, flush batchers, wait for the sink. */
  async drain(): Promise<void> {
    for (const source of [...this.builders.keys()]) this.submit(source);
    for (const source of [...this.documentGroups.keys()]) this.submitDocumentGroup(source);
    if (this.running > 0 || this.waiting.length > 0) {
      await new Promise<void>((resolve) => this.settledWaiters.push(resolve));
    }
    for (const batcher of this.batchers.values()) batcher.flush();
    // Batches being sealed finish first (with or without a journal).
    while (this.journalQueue.some((slot) => slot.state === 'sealing')) await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.journal) {
      // Everything accepted is journaled before exit; what is not yet being
      // sent stays there for the next start instead of holding up the exit.
      while (this.journalQueue.some((slot) => slot.state === 'sealing' || slot.state === 'writing')) await new Promise((resolve) => setTimeout(resolve, 5));
      this.sendRefusedFromMemory();
      this.delivery.park();
    }
    await this.delivery.idle();
  }

  /**
   * Shutdown while the journal refuses batches: they cannot be kept, so they
   * are sent from memory until the shutdown deadline (and counted if that fails).
   */
  private sendRefusedFromMemory(): void {
    clearInterval(this.refusedTimer);
    this.refusedTimer = undefined;
    this.refusedCount = 0;
    for (const slot of [...this.journalQueue]) if (slot.state === 'refused') this.written(slot, undefined);
  }

  /** At the shutdown deadline: stop retrying, so drain() can end. */
  abandon(): void {
    this.delivery.stop();
  }

  async close(): Promise<void> {
    clearInterval(this.refusedTimer);
    for (const timer of this.lingerTimers.values()) clearTimeout(timer);
    this.lingerTimers.clear();
    await this.pool.destroy();
    await this.deadLetter.close();
    await this.journal?.close();
  }
}

interface JournalSlot {
  batch: Batch;
  state: 'sealing' | 'sealed' | 'writing' | 'refused' | 'written';
  id: number | undefined;
  /** Body bytes counted in `journaling` when the slot was queued. */
  bytes: number;
  /** Resolves the promise an HTTP request may be waiting on. */
  journaled: () => void;
}

/** Each listener's policy, in the form the worker applies it. */
function workerPolicies(config: Config): WorkerOptions['policies'] {
  const syslog = config.sources.syslog;
  const prepare = (listener: 'udp' | 'tcp' | 'tls'): WorkerPolicy => {
    const policy = policyOf(syslog, listener);
    return {
      timeZone: policy.timeZone,
      outputs: policy.outputs,
      facilities: policy.filters.facilities.map((name) => FACILITY_NAMES.indexOf(name)),
      minimumSeverity: SEVERITY_NAMES.indexOf(policy.filters.minimumSeverity),
    };
  };
  return { syslog_udp: prepare('udp'), syslog_tcp: prepare('tcp'), syslog_tls: prepare('tls') };
}

