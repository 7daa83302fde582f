import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every counter asimd exports, created once. Components receive this object and
 * never create metrics of their own, so the README's metrics list has one source.
 */
export class Metrics {
  readonly registry = new Registry();
  /** Each bound UDP socket registers a reader of its kernel drop count. */
  readonly udpDropReaders = new Set<() => number>();

  readonly received = new Counter({
    name: 'asimd_messages_received_total',
    help: 'Messages (frames) received, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly receivedBytes = new Counter({
    name: 'asimd_received_bytes_total',
    help: 'Bytes of message frames received, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly parsed = new Counter({
    name: 'asimd_messages_parsed_total',
    help: 'Messages turned into rows, by source and format (rfc5424, rfc3164, unparsed).',
    labelNames: ['source', 'format'] as const,
    registers: [this.registry],
  });

  readonly failed = new Counter({
    name: 'asimd_messages_failed_total',
    help: 'Messages that did not parse cleanly, by source and reason. They are still shipped, flagged in AsimdFlags.',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  readonly truncated = new Counter({
    name: 'asimd_messages_truncated_total',
    help: 'Messages longer than sources.syslog.maxMessageBytes, truncated and flagged, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly dropped = new Counter({
    name: 'asimd_messages_dropped_total',
    help: 'Messages dropped, by source and reason (queue_full, empty_frame, worker_error, shutdown, sink_rejected).',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  readonly udpKernelDrops = new Gauge({
    name: 'asimd_udp_kernel_drops',
    help: 'Datagrams the kernel dropped because the UDP receive buffer was full (from /proc/net/udp, cumulative since the socket opened). Raise sources.syslog.udp.receiveBufferBytes and net.core.rmem_max if it grows.',
    registers: [this.registry],
    collect: () => {
      let drops = 0;
      for (const read of this.udpDropReaders) drops += read();
      this.udpKernelDrops.set(drops);
    },
  });

  readonly framing = new Counter({
    name: 'asimd_tcp_framing_total',
    help: 'Frames on TCP and TLS connections by source and framing method (octet_counting, lf, lf_fallback for frames that began with a malformed count).',
    labelNames: ['source', 'method'] as const,
    registers: [this.registry],
  });

  readonly connections = new Gauge({
    name: 'asimd_tcp_connections',
    help: 'Open TCP and TLS connections, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly connectionsRejected = new Counter({
    name: 'asimd_tcp_connections_rejected_total',
    help: 'TCP and TLS connections closed by asimd, by source and reason (max_connections, idle_timeout, sender_not_allowed).',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  readonly pausedSockets = new Gauge({
    name: 'asimd_tcp_paused_connections',
    help: 'TCP and TLS connections not being read because the input queue is full, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly journalBytes = new Gauge({
    name: 'asimd_journal_bytes',
    help: 'Bytes of batches in the on-disk journal not yet delivered.',
    registers: [this.registry],
  });

  readonly journalLost = new Counter({
    name: 'asimd_journal_lost_batches_total',
    help: 'Journaled batches lost, by reason: torn_tail, corrupt (found at start), unreadable (could not be read back), drop_oldest (whenFull: drop_oldest).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly journalAppendFailures = new Counter({
    name: 'asimd_journal_append_failures_total',
    help: 'Journal appends refused, by reason: full and disk_error (the batch is held and appended again, sources pause), too_large (sent from memory only).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly journalReplayed = new Counter({
    name: 'asimd_journal_replayed_batches_total',
    help: 'Batches found in the journal at start and sent again.',
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'asimd_http_requests_total',
    help: 'Requests to the cloud ingestion endpoints, by endpoint and status.',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });

  readonly tlsHandshakeFailures = new Counter({
    name: 'asimd_tls_handshake_failures_total',
    help: 'TLS handshakes that failed, by reason (e.g. a client without a valid certificate under mTLS).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly tlsReloads = new Counter({
    name: 'asimd_tls_reloads_total',
    help: 'Reloads of the TLS listener\'s certificate files (SIGHUP or a file change), by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly filtered = new Counter({
    name: 'asimd_messages_filtered_total',
    help: 'Messages not shipped because of the source\'s filters, by source and reason (facility, severity).',
    labelNames: ['source', 'reason'] as const,
    registers: [this.registry],
  });

  readonly invalidUtf8 = new Counter({
    name: 'asimd_messages_invalid_utf8_total',
    help: 'Messages with bytes that are not UTF-8, by source; they are kept with U+FFFD in place of the bad bytes and flagged invalid_utf8.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly queueBytes = new Gauge({
    name: 'asimd_queue_bytes',
    help: 'Bytes of received frames waiting for or inside the worker pool.',
    registers: [this.registry],
  });

  readonly queueLimitBytes = new Gauge({
    name: 'asimd_queue_limit_bytes',
    help: 'pipeline.queueBytes.',
    registers: [this.registry],
  });

  readonly outputBytes = new Gauge({
    name: 'asimd_output_bytes',
    help: 'Bytes of serialized rows waiting in batchers or at the sink.',
    registers: [this.registry],
  });

  readonly tasks = new Counter({
    name: 'asimd_pool_tasks_total',
    help: 'Tasks run by the worker pool, by outcome (ok, error).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Set by the pipeline: total worker busy time in ms since start. */
  poolBusyReader: () => number = () => 0;
  private lastUtilizationSample = { at: performance.now(), busyMs: 0 };

  readonly poolBusy = new Counter({
    name: 'asimd_pool_busy_seconds_total',
    help: 'Time worker threads spent processing tasks. rate() of it divided by asimd_pool_threads is the pool utilization.',
    registers: [this.registry],
    collect: () => {
      this.poolBusy.reset();
      this.poolBusy.inc(this.poolBusyReader() / 1000);
    },
  });

  readonly poolUtilization = new Gauge({
    name: 'asimd_pool_utilization',
    help: 'Share of the worker threads\' time spent processing tasks since the previous scrape (0..1).',
    registers: [this.registry],
    collect: () => {
      const now = performance.now();
      const busyMs = this.poolBusyReader();
      const threads = this.poolThreadCount || 1;
      const elapsed = now - this.lastUtilizationSample.at;
      if (elapsed > 0) this.poolUtilization.set(Math.min(1, (busyMs - this.lastUtilizationSample.busyMs) / (elapsed * threads)));
      this.lastUtilizationSample = { at: now, busyMs };
    },
  });

  /** Set by the pipeline along with asimd_pool_threads. */
  poolThreadCount = 0;

  readonly poolThreads = new Gauge({
    name: 'asimd_pool_threads',
    help: 'Worker threads in the pool.',
    registers: [this.registry],
  });

  readonly batches = new Counter({
    name: 'asimd_batches_written_total',
    help: 'Batches delivered by the sink, by sink and stream.',
    labelNames: ['sink', 'stream'] as const,
    registers: [this.registry],
  });

  readonly batchBytes = new Counter({
    name: 'asimd_bytes_written_total',
    help: 'Serialized bytes delivered by the sink, by sink and stream.',
    labelNames: ['sink', 'stream'] as const,
    registers: [this.registry],
  });

  readonly rows = new Counter({
    name: 'asimd_rows_written_total',
    help: 'Rows delivered by the sink, by sink and stream.',
    labelNames: ['sink', 'stream'] as const,
    registers: [this.registry],
  });

  readonly sinkRetries = new Counter({
    name: 'asimd_sink_retries_total',
    help: 'Sink attempts that will be retried, by sink and reason (e.g. status_503, status_429, network, unauthorized, write_error).',
    labelNames: ['sink', 'reason'] as const,
    registers: [this.registry],
  });

  readonly sinkSplits = new Counter({
    name: 'asimd_sink_splits_total',
    help: 'Batches split in two and sent again, by sink and reason (status_413, status_400 while isolating bad rows).',
    labelNames: ['sink', 'reason'] as const,
    registers: [this.registry],
  });

  readonly deadLettered = new Counter({
    name: 'asimd_rows_dead_lettered_total',
    help: 'Rows the destination refused for good, written to the dead-letter store with the error, by stream and reason.',
    labelNames: ['stream', 'reason'] as const,
    registers: [this.registry],
  });

  readonly requests = new Counter({
    name: 'asimd_sink_requests_total',
    help: 'HTTP requests to the Logs Ingestion API, by stream and status (a number, or network/timeout).',
    labelNames: ['stream', 'status'] as const,
    registers: [this.registry],
  });

  readonly requestBytes = new Counter({
    name: 'asimd_sink_request_bytes_total',
    help: 'Request body bytes sent to the Logs Ingestion API, by stream and encoding (raw JSON, gzip on the wire).',
    labelNames: ['stream', 'encoding'] as const,
    registers: [this.registry],
  });

  readonly requestSeconds = new Histogram({
    name: 'asimd_sink_request_duration_seconds',
    help: 'Latency of Logs Ingestion API requests, by stream.',
    labelNames: ['stream'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly tokenRefreshes = new Counter({
    name: 'asimd_token_refreshes_total',
    help: 'Entra ID token fetches, by outcome (ok, error).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'asimd_process_' });
  }
}
