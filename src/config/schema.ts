import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { EmulatorSchema } from '../emulator/config.ts';
import { AzureSinkSchema } from '../sinks/azure-logs-ingestion/config.ts';
import { SyslogSourceSchema } from '../sources/config.ts';
import { HttpSourcesSchema } from '../sources/http/config.ts';

/*
 * The one schema of asimd's configuration. Defaults and descriptions live here and
 * nowhere else: the validator fills defaults from it, and the README's config
 * reference and config/asimd.example.yaml are checked against it by a test.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

const Port = (defaultPort: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort, description: `${description} 0 picks a free port.` });

const Address = (defaultAddress: string, description: string) =>
  Type.String({ minLength: 1, default: defaultAddress, description });


const Section = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description: string) =>
  Type.Object(properties, { additionalProperties: false, default: {}, description });

const PipelineSchema = Section(
  {
    workers: Type.Integer({
      minimum: 0,
      maximum: 256,
      default: 0,
      description: 'Worker threads that parse, normalize and serialize; 0 means one per CPU core.',
    }),
    queueBytes: Type.Integer({
      minimum: 1 * MiB,
      default: 8 * MiB,
      description:
        'Byte budget of received frames not yet turned into rows. When full, TCP sockets stop being read and UDP datagrams are dropped with reason queue_full. 8 MiB keeps the workers fed (npm run bench: same rate as 16 MiB, 15–25 MiB less peak RSS).',
    }),
    outputBytes: Type.Integer({
      minimum: 2 * MiB,
      default: 32 * MiB,
      description:
        'Byte budget of serialized rows waiting in batchers or at the sink. When full, no new work goes to the pool, so the input queue fills and sources feel it.',
    }),
    taskBytes: Type.Integer({
      minimum: 4 * KiB,
      maximum: 16 * MiB,
      default: 1 * MiB,
      description:
        'Frames are handed to the pool in tasks of at most this many bytes (never one message per task). 1 MiB spent 15 % less main-thread CPU per message than 256 KiB in npm run bench.',
    }),
    taskFrames: Type.Integer({ minimum: 1, maximum: 65535, default: 4096, description: 'At most this many frames per task.' }),
    taskLingerMs: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: 20,
      description: 'A partly filled task is handed to the pool after this long, bounding latency at low rates.',
    }),
  },
  'The worker pool and the bounded queues around it.',
);

const BatchSchema = Section(
  {
    maxBytes: Type.Integer({
      minimum: 1 * KiB,
      maximum: 1 * MiB,
      default: 1 * MiB,
      description: 'Flush a stream\'s batch before it exceeds this many serialized bytes (the Logs Ingestion API takes at most 1 MiB per call).',
    }),
    maxRows: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000, description: 'Flush a batch when it holds this many rows.' }),
    maxAgeMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 1000, description: 'Flush a batch when its oldest row has waited this long.' }),
    idleMs: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: 200,
      description:
        'Flush a batch once no row has been added to it for this long, before maxAgeMs: a burst is shipped when it ends. 0 leaves only maxAgeMs. At low rates it means up to 1000 / idleMs requests per second per stream.',
    }),
    maxSpanMs: Type.Integer({
      minimum: 1000,
      maximum: 1_800_000,
      default: 1_800_000,
      description: 'Largest TimeGenerated span of the rows in one batch (the Logs Ingestion API rejects calls spanning more than 30 minutes).',
    }),
  },
  'Batching per output stream.',
);

const StreamsSchema = Section(
  {
    syslog: Type.String({
      minLength: 1,
      default: 'Custom-Syslog',
      description: 'Input stream for Syslog table rows (a DCR maps it to Microsoft-Syslog).',
    }),
    commonSecurityLog: Type.String({
      minLength: 1,
      default: 'Custom-CommonSecurityLog',
      description: 'Input stream for CommonSecurityLog rows from CEF messages (a DCR maps it to Microsoft-CommonSecurityLog).',
    }),
    asimAuthentication: Type.String({
      minLength: 1,
      default: 'Custom-ASimAuthenticationEventLogs',
      description: 'Input stream for ASIM Authentication rows from sshd, sudo, su and CloudTrail ConsoleLogin (a DCR maps it to Microsoft-ASimAuthenticationEventLogs).',
    }),
    awsCloudTrail: Type.String({
      minLength: 1,
      default: 'Custom-AWSCloudTrail',
      description: 'Input stream for AWSCloudTrail rows (a DCR maps it to Microsoft-AWSCloudTrail).',
    }),
    gcpAuditLogs: Type.String({
      minLength: 1,
      default: 'Custom-GCPAuditLogs',
      description: 'Input stream for GCPAuditLogs rows (a DCR maps it to Microsoft-GCPAuditLogs).',
    }),
    asimAuditEvent: Type.String({
      minLength: 1,
      default: 'Custom-ASimAuditEventLogs',
      description: 'Input stream for ASIM AuditEvent rows from CloudTrail and GCP audit logs (a DCR maps it to Microsoft-ASimAuditEventLogs).',
    }),
  },
  'Names of the output streams each table\'s rows are sent on.',
);

const FileSinkSchema = Section(
  {
    directory: Type.String({ minLength: 1, default: 'data/out', description: 'Directory of the NDJSON files, one per stream: <directory>/<stream>.ndjson. Relative paths are relative to the working directory.' }),
  },
  'File sink settings.',
);

const SinkSchema = Section(
  {
    type: Type.Union([Type.Literal('azure-logs-ingestion'), Type.Literal('file'), Type.Literal('stdout')], {
      default: 'file',
      description:
        'Where rows go: azure-logs-ingestion (Microsoft Sentinel through the Logs Ingestion API, or the emulator), file (NDJSON per stream) or stdout (NDJSON; logs stay on stderr).',
    }),
    azure: AzureSinkSchema,
    file: FileSinkSchema,
  },
  'Where batches are delivered.',
);

const DeliverySchema = Section(
  {
    maxRetryDelayMs: Type.Integer({
      minimum: 100,
      maximum: 3_600_000,
      default: 30_000,
      description: 'Ceiling of the exponential backoff (with full jitter) between retries of a failed batch.',
    }),
    maxDataAgeMs: Type.Integer({
      minimum: 60_000,
      default: 172_800_000,
      description:
        'A failing batch is retried until it is this old (default 2 days: the Logs Ingestion API replaces older TimeGenerated values anyway); then it is dropped and counted with reason max_age. Until then nothing is dropped for running out of retries.',
    }),
  },
  'Retry policy between the batchers and the sink.',
);

const JournalSchema = Section(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Write every batch to an on-disk journal before it goes to the sink, and replay what was not delivered after a crash or restart.',
    }),
    directory: Type.String({ minLength: 1, default: 'data/journal', description: 'Directory of the journal\'s segment files.' }),
    maxBytes: Type.Integer({
      minimum: 4 * MiB,
      default: 1024 * MiB,
      description: 'Disk the journal may use (segment files, acknowledgements included). When it is full, whenFull applies; a disk that fills up first is treated the same way.',
    }),
    whenFull: Type.Union([Type.Literal('block'), Type.Literal('drop_oldest')], {
      default: 'block',
      description:
        'block: new batches wait, sources pause (TCP stops reading, HTTP answers 503, UDP drops are counted) until deliveries free room; drop_oldest: the oldest undelivered batches are deleted to make room (asimd_journal_lost_batches_total{reason="drop_oldest"}).',
    }),
    segmentBytes: Type.Integer({ minimum: 64 * KiB, default: 64 * MiB, description: 'Size at which a segment file rolls; a segment is deleted once all its batches are delivered.' }),
    fsync: Type.Union([Type.Literal('batch'), Type.Literal('interval'), Type.Literal('never')], {
      default: 'interval',
      description: 'batch: fsync before a batch counts as journaled; interval: every fsyncIntervalMs; never: leave it to the OS. All survive a killed process; only batch survives a power loss without a window.',
    }),
    fsyncIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000, description: 'With fsync: interval, how often.' }),
  },
  'The on-disk journal between the batchers and the sink.',
);

const DeadLetterSchema = Section(
  {
    directory: Type.String({
      minLength: 1,
      default: 'data/deadletter',
      description: 'Rows the destination refuses for good (a 400 isolated to them) are written here with the error: <directory>/<stream>.ndjson.',
    }),
  },
  'The dead-letter store.',
);

const ServerSchema = Section(
  {
    enabled: Type.Boolean({ default: true, description: 'Serve /healthz, /readyz, /metrics and the cloud ingestion endpoints.' }),
    address: Address('127.0.0.1', 'Address of the operations HTTP server.'),
    port: Port(8080, 'Port of the operations HTTP server.'),
    certFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM certificate chain: with keyFile, the server speaks HTTPS (Firehose delivers only to HTTPS endpoints).' }),
    ),
    keyFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM private key of certFile.' })),
  },
  'Operations HTTP server, also carrying the cloud ingestion endpoints.',
);

const LogSchema = Section(
  {
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info', description: 'pino log level. Logs are JSON lines on stderr.' },
    ),
  },
  'Logging.',
);

const ShutdownSchema = Section(
  {
    timeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 10_000,
      description: 'On SIGTERM/SIGINT, drain the pool, batchers and sink within this long, then exit.',
    }),
  },
  'Graceful shutdown.',
);

export const ConfigSchema = Type.Object(
  {
    sources: Section({ syslog: SyslogSourceSchema, http: HttpSourcesSchema }, 'Inputs.'),
    pipeline: PipelineSchema,
    batch: BatchSchema,
    streams: StreamsSchema,
    sink: SinkSchema,
    delivery: DeliverySchema,
    journal: JournalSchema,
    deadLetter: DeadLetterSchema,
    server: ServerSchema,
    emulator: EmulatorSchema,
    log: LogSchema,
    shutdown: ShutdownSchema,
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
export type { SyslogSourceConfig } from '../sources/config.ts';
export type ConfigSchemaNode = TSchema;
