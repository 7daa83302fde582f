import { randomBytes } from 'node:crypto';
import { appendFile, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import { startInProcessEmulator, withEmulatorDefaults } from '../agent.ts';
import { loadConfigFile } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { RunningEmulator } from '../emulator/index.ts';
import { ConfigError, errorCodeOf } from '../errors/index.ts';
import { createLogger } from '../logger.ts';
import { Metrics } from '../metrics/index.ts';
import { StreamBatcher } from '../pipeline/batcher.ts';
import { DeadLetterStore } from '../pipeline/dead-letter.ts';
import {
  filterEntries,
  findEntry,
  readDeadLetterDirectory,
  type DeadLetterEntry,
  type DeadLetterScan,
  type EntryFilter,
  type RecordEntry,
  type RowEntry,
} from '../pipeline/dead-letter-reader.ts';
import { Delivery } from '../pipeline/delivery.ts';
import type { RowFraming, StreamRows } from '../pipeline/task.ts';
import { withDeadLetterLock } from '../pipeline/dead-letter-lock.ts';
import { rowJson } from '../sinks/batch.ts';
import { createSink, type Batch, type Sink, type SinkVerdict } from '../sinks/index.ts';

/*
 * `asimd dlq`: lists, shows and replays what the dead-letter store holds.
 * Replay cuts the dead-lettered rows into batches with the pipeline's own
 * batcher and hands them to the configured sink through Delivery, so retries,
 * splits and refusals behave as in the agent: rows refused again are
 * dead-lettered again with the new error. Entries sent or dead-lettered
 * anew are then removed from their file (temp file + rename).
 */

/** sysexits.h, as in main.ts. */
const EXIT = { ok: 0, usage: 64, software: 70, config: 78 } as const;

const DEFAULT_REPLAY_TIMEOUT_SECONDS = 60;
const ERROR_COLUMN_CHARS = 80;

export const DLQ_USAGE = `Usage:
  asimd dlq list [--stream S] [--since T] [--json] [--config FILE]
  asimd dlq show ID [--json] [--config FILE]
  asimd dlq replay [--stream S] [--since T] [--dry-run] [--timeout SECONDS] [--config FILE]

Reads deadLetter.directory of the config (default config: config/default.yaml).
  --stream S    only entries of this stream (Custom-Syslog, …) or HTTP source (aws_cloudtrail, gcp_audit)
  --since T     only entries written at or after T: an ISO 8601 time, or an age such as 90s, 30m, 12h, 7d
  --json        list: one JSON object per entry (NDJSON); show: the entry as JSON
  --dry-run     replay: print the batches it would send; send and change nothing
  --timeout S   replay: stop retrying after S seconds (default ${DEFAULT_REPLAY_TIMEOUT_SECONDS}); rows not delivered by then stay

replay sends rows through the configured sink with the agent's retry policy; rows refused again are
dead-lettered again with the new error. Sent and re-dead-lettered entries are removed from their files,
which are rewritten: run it while no agent writes to the same directory. Records an HTTP source refused
(aws_cloudtrail, gcp_audit) never became rows and are not replayed; send them to the source again.
Exit codes: 0 ok, 64 usage, 70 replay could not deliver every row (or another error), 78 configuration error.
`;

export interface DlqOutput {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_OUTPUT: DlqOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

class UsageError extends Error {}

type Command =
  | { name: 'list'; filter: EntryFilter; json: boolean }
  | { name: 'show'; id: string; json: boolean }
  | { name: 'replay'; filter: EntryFilter; dryRun: boolean; timeoutMs: number };

const AGE = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/;
const AGE_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO 8601 time, or an age (30m, 12h, 7d) before now; ms since the epoch. */
export function parseSince(text: string, now = Date.now()): number {
  const age = AGE.exec(text.trim());
  if (age) return now - Number(age[1]) * (AGE_UNIT_MS[age[2] ?? 's'] ?? 1000);
  const time = /\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) throw new UsageError(`--since: expected an ISO 8601 time (2026-11-28T10:00:00Z) or an age (30m, 12h, 7d), got ${JSON.stringify(text)}`);
  return time;
}

function parseCommand(args: string[], defaultConfig: string): { command: Command; config: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        stream: { type: 'string' },
        since: { type: 'string' },
        json: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        timeout: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  const allowed: Record<string, readonly string[]> = {
    list: ['config', 'stream', 'since', 'json'],
    show: ['config', 'json'],
    replay: ['config', 'stream', 'since', 'dry-run', 'timeout'],
  };
  if (name === undefined) throw new UsageError('dlq needs a command: list, show ID or replay');
  const options = allowed[name];
  if (options === undefined) throw new UsageError(`unknown dlq command: ${name}`);
  for (const [option, value] of Object.entries(values)) {
    if (value !== undefined && !options.includes(option)) throw new UsageError(`dlq ${name} takes no --${option}`);
  }
  const filter: EntryFilter = { stream: values.stream, since: values.since === undefined ? undefined : parseSince(values.since) };
  const config = values.config ?? defaultConfig;
  if (name === 'show') {
    const [id, ...extra] = rest;
    if (id === undefined) throw new UsageError('dlq show needs an ID (from dlq list)');
    if (extra.length) throw new UsageError(`unexpected argument: ${extra.join(' ')}`);
    return { command: { name, id, json: values.json === true }, config };
  }
  if (rest.length) throw new UsageError(`unexpected argument: ${rest.join(' ')}`);
  if (name === 'list') return { command: { name, filter, json: values.json === true }, config };
  const seconds = values.timeout === undefined ? DEFAULT_REPLAY_TIMEOUT_SECONDS : Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout: expected a number of seconds > 0, got ${JSON.stringify(values.timeout)}`);
  return { command: { name: 'replay', filter, dryRun: values['dry-run'] === true, timeoutMs: seconds * 1000 }, config };
}

/**
 * `asimd dlq …` (args after `dlq`). `configPath` is the config used without
 * --config. Resolves with the exit code; never throws.
 */
export async function runDlqCommand(args: string[], configPath: string, output: DlqOutput = PROCESS_OUTPUT): Promise<number> {
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help') {
    output.out(DLQ_USAGE);
    return EXIT.ok;
  }
  let command: Command;
  let file: string;
  try {
    ({ command, config: file } = parseCommand(args, configPath));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    output.err(`${err.message}\n\n${DLQ_USAGE}`);
    return EXIT.usage;
  }
  try {
    const config = loadConfigFile(file);
    switch (command.name) {
      case 'list':
        return await list(config, command.filter, command.json, output);
      case 'show':
        return await show(config, command.id, command.json, output);
      case 'replay':
        return await replay(config, command.filter, command.dryRun, command.timeoutMs, output);
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) output.err(`${problem}\n`);
      return EXIT.config;
    }
    output.err(`${errorCodeOf(err) ?? 'error'}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.software;
  }
}

// ---------------------------------------------------------------- list, show

function isRow(entry: DeadLetterEntry): entry is RowEntry {
  return entry.kind === 'row';
}

function isRecord(entry: DeadLetterEntry): entry is RecordEntry {
  return entry.kind === 'record';
}

/** Torn and unreadable lines: counted, never fatal. */
function fileNotes(scan: DeadLetterScan): string[] {
  const notes: string[] = [];
  for (const file of scan.files) {
    const name = basename(file.file);
    if (file.tornLine !== undefined) notes.push(`${name}: 1 torn last line (line ${file.tornLine}, a write cut short), skipped`);
    if (file.invalidLines.length) {
      notes.push(`${name}: ${file.invalidLines.length} line(s) that are not dead-letter entries, skipped (line ${file.invalidLines.slice(0, 5).join(', ')}${file.invalidLines.length > 5 ? ', …' : ''})`);
    }
  }
  return notes;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

function entryJson(entry: DeadLetterEntry): Record<string, unknown> {
  const common = { id: entry.id, time: entry.time, kind: entry.kind, stream: entry.stream, reason: entry.reason, error: entry.error, bytes: entry.bytes, file: entry.file, line: entry.line };
  return entry.kind === 'row' ? { ...common, row: entry.row } : { ...common, record: entry.record };
}

function countBy(entries: readonly DeadLetterEntry[], key: (entry: DeadLetterEntry) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of entries) counts.set(key(entry), (counts.get(key(entry)) ?? 0) + 1);
  return counts;
}

async function list(config: Config, filter: EntryFilter, json: boolean, output: DlqOutput): Promise<number> {
  const scan = await readDeadLetterDirectory(config.deadLetter.directory);
  const entries = filterEntries(scan.entries, filter);
  const notes = fileNotes(scan);
  if (json) {
    for (const entry of entries) output.out(`${JSON.stringify(entryJson(entry))}\n`);
    for (const note of notes) output.err(`${note}\n`);
    return EXIT.ok;
  }
  if (entries.length === 0) {
    output.out(`no dead-letter entries${filter.stream !== undefined || filter.since !== undefined ? ' match' : ''} in ${scan.directory}\n`);
  } else {
    output.out(
      table([
        ['ID', 'TIME', 'STREAM', 'REASON', 'ERROR'],
        ...entries.map((entry) => [entry.id, entry.time, entry.stream, entry.reason, entry.kind === 'row' ? oneLine(entry.error, ERROR_COLUMN_CHARS) : '(record: not replayable)']),
      ]),
    );
    const rows = entries.filter(isRow).length;
    output.out(`\n${entries.length} entries: ${rows} row(s), ${entries.length - rows} record(s)\n`);
    const counts = countBy(entries, (entry) => `${entry.stream}\u0000${entry.reason}`);
    output.out(table([['STREAM', 'REASON', 'COUNT'], ...[...counts].map(([key, count]) => [...key.split('\u0000'), String(count)])]));
  }
  for (const note of notes) output.out(`${note}\n`);
  return EXIT.ok;
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

async function show(config: Config, id: string, json: boolean, output: DlqOutput): Promise<number> {
  const scan = await readDeadLetterDirectory(config.deadLetter.directory);
  const lookup = findEntry(scan.entries, id);
  if (lookup.kind === 'none') {
    output.err(`no dead-letter entry ${JSON.stringify(id)} in ${scan.directory} (see asimd dlq list)\n`);
    return EXIT.usage;
  }
  if (lookup.kind === 'ambiguous') {
    output.err(`${JSON.stringify(id)} matches ${lookup.entries.length} entries: ${lookup.entries.map((entry) => entry.id).join(', ')}\n`);
    return EXIT.usage;
  }
  const { entry } = lookup;
  if (json) {
    output.out(`${JSON.stringify(entryJson(entry), null, 2)}\n`);
    return EXIT.ok;
  }
  const fields: string[][] = [
    ['ID', entry.id],
    ['File', `${entry.file}, line ${entry.line}`],
    ['Time', entry.time],
    [entry.kind === 'row' ? 'Stream' : 'Source', entry.stream],
    ['Reason', entry.reason],
  ];
  if (entry.kind === 'row' || entry.error !== '') fields.push(['Error', entry.error]);
  fields.push(['Size', `${entry.bytes} bytes`]);
  output.out(table(fields));
  if (entry.kind === 'row') {
    output.out(`Row\n${JSON.stringify(entry.row, null, 2)}\n`);
  } else {
    output.out(`Record (not replayable by asimd dlq replay: it never became a row; send it to the ${entry.stream} source again)\n${pretty(entry.record)}\n`);
  }
  return EXIT.ok;
}

// ---------------------------------------------------------------- replay

/** Rows from the dead-letter files, one stream, in file order, framed for the batcher. */
function streamRows(stream: string, entries: readonly RowEntry[], separator: number): StreamRows {
  const rows = entries.map((entry) => Buffer.from(entry.rowJson));
  const data = Buffer.allocUnsafe(rows.reduce((total, row) => total + row.length + 1, 0));
  const ends = new Uint32Array(rows.length);
  const times = new Float64Array(rows.length);
  let offset = 0;
  rows.forEach((row, index) => {
    offset += row.copy(data, offset);
    data[offset++] = separator;
    ends[index] = offset;
    times[index] = timeGenerated(entries[index]?.row);
  });
  return { stream, data, ends, times, rows: rows.length };
}

function timeGenerated(row: unknown): number {
  const value = typeof row === 'object' && row !== null && 'TimeGenerated' in row ? row.TimeGenerated : undefined;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? Date.now() : time;
}

/** Batches as the agent cuts them: the pipeline's StreamBatcher with the config's batch limits. */
function batchRows(entries: readonly RowEntry[], framing: RowFraming, limits: Config['batch']): Batch[] {
  const byStream = new Map<string, RowEntry[]>();
  for (const entry of entries) byStream.set(entry.stream, [...(byStream.get(entry.stream) ?? []), entry]);
  const batches: Batch[] = [];
  const separator = framing === 'json-array' ? 0x2c : 0x0a;
  for (const [stream, rows] of byStream) {
    const batcher = new StreamBatcher(stream, framing, limits, (batch) => batches.push(batch));
    batcher.append(streamRows(stream, rows, separator));
    batcher.flush();
  }
  return batches;
}

/** Which dead-lettered entries each settled row was: rows are matched by their bytes. */
class ReplayLedger {
  private readonly pending = new Map<string, RowEntry[]>();
  readonly sent: RowEntry[] = [];
  readonly refused: Array<{ entry: RowEntry; error: string }> = [];

  constructor(entries: readonly RowEntry[]) {
    for (const entry of entries) this.pending.set(entry.rowJson, [...(this.pending.get(entry.rowJson) ?? []), entry]);
  }

  private take(batch: Batch): RowEntry[] {
    const taken: RowEntry[] = [];
    for (let row = 0; row < batch.rows; row++) {
      const entry = this.pending.get(rowJson(batch, row).toString('utf8'))?.shift();
      if (entry) taken.push(entry);
    }
    return taken;
  }

  markSent(batch: Batch): void {
    this.sent.push(...this.take(batch));
  }

  markRefused(batch: Batch, error: string): void {
    for (const entry of this.take(batch)) this.refused.push({ entry, error });
  }
}

/** The configured sink, with every accepted batch recorded in the ledger. */
class LedgerSink implements Sink {
  readonly name: string;
  readonly framing: RowFraming;
  /** The last reason an attempt failed, for the summary of rows left. */
  lastProblem: string | undefined;

  constructor(
    private readonly inner: Sink,
    private readonly ledger: ReplayLedger,
  ) {
    this.name = inner.name;
    this.framing = inner.framing;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  ready(): boolean {
    return this.inner.ready();
  }

  notReadyReason(): string | undefined {
    return this.inner.notReadyReason?.();
  }

  concurrencyFor(stream: string): number {
    return this.inner.concurrencyFor?.(stream) ?? 1;
  }

  async send(batch: Batch): Promise<SinkVerdict> {
    const verdict = await this.inner.send(batch);
    if (verdict.kind === 'ok') this.ledger.markSent(batch);
    else if (verdict.kind === 'retry') this.lastProblem = this.inner.notReadyReason?.() ?? verdict.reason;
    return verdict;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The dead-letter store, recording which rows it took once they are on disk. */
class LedgerDeadLetterStore extends DeadLetterStore {
  constructor(
    directory: string,
    private readonly ledger: ReplayLedger,
  ) {
    super(directory);
  }

  override async write(batch: Batch, reason: string, error: string): Promise<void> {
    await super.write(batch, reason, error);
    this.ledger.markRefused(batch, error);
  }
}

/**
 * The store appends to <stream>.ndjson; a torn last line would glue the first
 * new line to it. Ending it with a newline keeps it a line of its own (still
 * skipped as not an entry) and changes no line number.
 */
async function terminateTornLines(scan: DeadLetterScan, entries: readonly RowEntry[]): Promise<void> {
  const names = new Set(entries.flatMap((entry) => [basename(entry.file, '.ndjson'), entry.stream]));
  for (const file of scan.files) {
    if (!file.endsWithNewline && names.has(file.name)) await withDeadLetterLock(dirname(file.file), () => appendFile(file.file, '\n'));
  }
}

/**
 * Removes entries from their files: each file is read again, the entries'
 * lines are dropped if they still read as listed, and the rest (lines added
 * since included) goes to a temp file renamed over the original. Returns the
 * entries that were not found as listed (the file changed meanwhile).
 */
async function removeEntries(entries: readonly DeadLetterEntry[]): Promise<DeadLetterEntry[]> {
  const byFile = new Map<string, DeadLetterEntry[]>();
  for (const entry of entries) byFile.set(entry.file, [...(byFile.get(entry.file) ?? []), entry]);
  const missed: DeadLetterEntry[] = [];
  for (const [file, fileEntries] of byFile) missed.push(...(await withDeadLetterLock(dirname(file), () => removeFromFile(file, fileEntries))));
  return missed;
}

/** One file's part of removeEntries, under the dead-letter lock so no append falls between the read and the rename. */
async function removeFromFile(file: string, fileEntries: readonly DeadLetterEntry[]): Promise<DeadLetterEntry[]> {
  const missed: DeadLetterEntry[] = [];
  const content = await readFile(file);
  const lines: Buffer[] = [];
  for (let start = 0; start < content.length; ) {
    const newline = content.indexOf(0x0a, start);
    const end = newline === -1 ? content.length : newline + 1;
    lines.push(content.subarray(start, end));
    start = end;
  }
  const drop = new Set<number>();
  for (const entry of fileEntries) {
    const line = lines[entry.line - 1];
    const text = line?.toString('utf8').replace(/\n$/, '');
    if (text === entry.text) drop.add(entry.line - 1);
    else missed.push(entry);
  }
  if (drop.size === 0) return missed;
  const kept = lines.filter((_, index) => !drop.has(index));
  if (kept.every((line) => line.toString('utf8').trim() === '')) {
    await rm(file, { force: true });
    return missed;
  }
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(Buffer.concat(kept));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return missed;
}

function perStream(entries: readonly DeadLetterEntry[]): string {
  return [...countBy(entries, (entry) => entry.stream)].map(([stream, count]) => `${stream} ${count}`).join(', ');
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The sink log stays on stderr; at the default info level its start-up lines would drown the summary. */
function replayLogger(config: Config): Logger {
  return createLogger(config.log.level === 'info' ? 'warn' : config.log.level);
}

async function replay(config: Config, filter: EntryFilter, dryRun: boolean, timeoutMs: number, output: DlqOutput): Promise<number> {
  const scan = await readDeadLetterDirectory(config.deadLetter.directory);
  const selected = filterEntries(scan.entries, filter);
  const rows = selected.filter(isRow);
  const records = selected.filter(isRecord);
  for (const note of fileNotes(scan)) output.err(`${note}\n`);
  const recordNote = records.length
    ? `${plural(records.length, 'record')} not replayable by this command (${perStream(records)}): raw HTTP records that never became rows; send them to their source again\n`
    : '';
  if (rows.length === 0) {
    output.out(`no dead-lettered rows to replay in ${scan.directory}\n${recordNote}`);
    return EXIT.ok;
  }
  if (dryRun) {
    const batches = batchRows(rows, config.sink.type === 'azure-logs-ingestion' ? 'json-array' : 'ndjson', config.batch);
    const bytes = batches.reduce((total, batch) => total + batch.body.length, 0);
    output.out(
      `dry run: would replay ${plural(rows.length, 'row')} (${perStream(rows)}) in ${plural(batches.length, 'batch', 'batches')} (${bytes} bytes) through the ${config.sink.type} sink; nothing sent, nothing changed\n${recordNote}`,
    );
    return EXIT.ok;
  }

  const logger = replayLogger(config);
  const metrics = new Metrics();
  let emulator: RunningEmulator | undefined;
  try {
    emulator = config.emulator.enabled ? await startInProcessEmulator(config, logger) : undefined;
    const effective = emulator ? withEmulatorDefaults(config, emulator) : config;
    const ledger = new ReplayLedger(rows);
    const sink = new LedgerSink(
      createSink(effective, { metrics, logger, ...(emulator ? { azure: { defaultEndpoint: emulator.url, caPem: emulator.certificatePem } } : {}) }),
      ledger,
    );
    const store = new LedgerDeadLetterStore(config.deadLetter.directory, ledger);
    try {
      await sink.start();
      await terminateTornLines(scan, rows);
      const delivery = new Delivery(sink, metrics, logger.child({ component: 'dlq' }), store, () => undefined, {
        baseDelayMs: 100,
        maxDelayMs: config.delivery.maxRetryDelayMs,
        maxDataAgeMs: config.delivery.maxDataAgeMs,
      });
      const batches = batchRows(rows, sink.framing, config.batch);
      output.out(`replaying ${plural(rows.length, 'row')} (${perStream(rows)}) in ${plural(batches.length, 'batch', 'batches')} through the ${sink.name} sink\n`);
      for (const batch of batches) delivery.enqueue(batch);
      if (!(await settles(delivery.idle(), timeoutMs))) {
        // Stop waiting between retries: what is not delivered now stays dead-lettered.
        delivery.stop();
        await delivery.idle();
      }
    } finally {
      await sink.close();
      await store.close();
    }

    // Rows sent, and rows the store took again (with the new error), leave their old lines.
    const missed = await removeEntries([...ledger.sent, ...ledger.refused.map(({ entry }) => entry)]);
    const left = rows.length - ledger.sent.length - ledger.refused.length;
    output.out(`sent ${ledger.sent.length}, refused again ${ledger.refused.length}, left ${left}\n`);
    const [firstRefusal] = ledger.refused;
    if (firstRefusal) output.out(`refused again: dead-lettered again with the new error, e.g. ${oneLine(firstRefusal.error, 200)}\n`);
    if (left > 0) output.out(`left: ${plural(left, 'row')} not delivered within ${timeoutMs / 1000} s${sink.lastProblem ? ` (last problem: ${sink.lastProblem})` : ''}; they stay in the dead-letter files\n`);
    if (missed.length) output.err(`${plural(missed.length, 'entry', 'entries')} could not be removed: their file changed during the replay (${[...new Set(missed.map((entry) => basename(entry.file)))].join(', ')})\n`);
    output.out(recordNote);
    return ledger.sent.length === rows.length ? EXIT.ok : EXIT.software;
  } finally {
    await emulator?.close();
  }
}

/** True when `promise` settles within `ms`, or false at the deadline or on SIGINT/SIGTERM. */
async function settles(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  let onSignal: (() => void) | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    onSignal = () => resolve(false);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  try {
    return await Promise.race([promise.then(() => true as const), deadline]);
  } finally {
    clearTimeout(timer);
    if (onSignal) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
