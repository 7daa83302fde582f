import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

/*
 * Reads what DeadLetterStore wrote: <directory>/<stream>.ndjson files of
 * refused rows ({"time","stream","reason","error","row"}) and of HTTP records
 * that never became rows ({"time","source","reason","record"}). Nothing here
 * writes; `asimd dlq` lists, shows and replays from it.
 */

interface EntryBase {
  /**
   * Stable while the line is unchanged: 12 hex digits of a hash of the file
   * name, the line, and its occurrence among identical lines of the file.
   * Removing other lines (a replay) does not change it.
   */
  id: string;
  /** Absolute path of the file. */
  file: string;
  /** 1-based line number in the file, as read. */
  line: number;
  /** The line as stored, without its newline. */
  text: string;
  /** When the entry was written (ISO 8601, as stored). */
  time: string;
  reason: string;
  /** UTF-8 bytes of the row JSON or of the record text. */
  bytes: number;
}

/** A row a destination refused: replayable. */
export interface RowEntry extends EntryBase {
  kind: 'row';
  /** The stream the row was sent on. */
  stream: string;
  /** The destination's error. */
  error: string;
  /** The row's JSON as stored (the bytes that were sent, when the line is as the store wrote it). */
  rowJson: string;
  row: unknown;
}

/** A record an HTTP source refused before it became a row: not replayable as a row. */
export interface RecordEntry extends EntryBase {
  kind: 'record';
  /** The source (aws_cloudtrail, gcp_audit), shown in the stream column. */
  stream: string;
  error: string;
  record: string;
}

export type DeadLetterEntry = RowEntry | RecordEntry;

export interface DeadLetterFile {
  /** Absolute path. */
  file: string;
  /** File name without .ndjson: the stream or source it was written for. */
  name: string;
  entries: DeadLetterEntry[];
  /** Line numbers of complete lines that are not entries (not JSON, or missing fields). */
  invalidLines: number[];
  /** Line number of a last line without its newline that is not an entry (a write cut short), if any. */
  tornLine: number | undefined;
  /** False when the file's last byte is not a newline (a torn line, or an entry whose newline was cut). */
  endsWithNewline: boolean;
  /** Size in bytes when read. */
  size: number;
}

export interface DeadLetterScan {
  /** Absolute path of the directory. */
  directory: string;
  files: DeadLetterFile[];
  /** Every entry of every file, files in name order, lines in file order. */
  entries: DeadLetterEntry[];
}

const NEWLINE = 0x0a;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The row's bytes as the store wrote them: the line is the store's head, the
 * row, and `}`. A hand-edited line (keys reordered, spaces) gets the row
 * re-serialized instead.
 */
function storedRowJson(text: string, parsed: Record<string, unknown>, time: string, stream: string, reason: string, error: string): string {
  const head = `{"time":${JSON.stringify(time)},"stream":${JSON.stringify(stream)},"reason":${JSON.stringify(reason)},"error":${JSON.stringify(error)},"row":`;
  if (text.startsWith(head) && text.endsWith('}')) {
    const raw = text.slice(head.length, -1);
    try {
      JSON.parse(raw);
      return raw;
    } catch {
      // Not the store's layout after all.
    }
  }
  return JSON.stringify(parsed['row']);
}

type Parsed = Omit<RowEntry, 'id' | 'file' | 'line' | 'text'> | Omit<RecordEntry, 'id' | 'file' | 'line' | 'text'>;

/** One line → the entry's fields, or undefined when the line is not an entry. */
function parseLine(text: string): Parsed | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const parsed = value as Record<string, unknown>;
  const time = str(parsed['time']);
  const reason = str(parsed['reason']);
  if (time === undefined || reason === undefined) return undefined;
  const stream = str(parsed['stream']);
  if (stream !== undefined && 'row' in parsed) {
    const error = str(parsed['error']) ?? '';
    const rowJson = storedRowJson(text, parsed, time, stream, reason, error);
    return { kind: 'row', time, stream, reason, error, rowJson, row: parsed['row'], bytes: Buffer.byteLength(rowJson) };
  }
  const source = str(parsed['source']);
  const record = str(parsed['record']);
  if (source !== undefined && record !== undefined) {
    return { kind: 'record', time, stream: source, reason, error: str(parsed['error']) ?? '', record, bytes: Buffer.byteLength(record) };
  }
  return undefined;
}

function entryId(name: string, text: string, occurrence: number): string {
  return createHash('sha256').update(`${name}\n${occurrence}\n${text}`).digest('hex').slice(0, 12);
}

/** Parses one dead-letter file's content. Pure: the path only names the entries. */
export function parseDeadLetterFile(file: string, content: Buffer): DeadLetterFile {
  const path = resolve(file);
  const name = basename(path, '.ndjson');
  const entries: DeadLetterEntry[] = [];
  const invalidLines: number[] = [];
  const seen = new Map<string, number>();
  let tornLine: number | undefined;
  const endsWithNewline = content.length === 0 || content[content.length - 1] === NEWLINE;
  let start = 0;
  let line = 0;
  while (start < content.length) {
    let end = content.indexOf(NEWLINE, start);
    const complete = end !== -1;
    if (!complete) end = content.length;
    line++;
    const text = content.toString('utf8', start, end);
    start = end + 1;
    if (text.trim() === '') continue;
    const parsed = parseLine(text);
    if (parsed === undefined) {
      if (complete) invalidLines.push(line);
      else tornLine = line;
      continue;
    }
    const occurrence = (seen.get(text) ?? 0) + 1;
    seen.set(text, occurrence);
    entries.push({ ...parsed, id: entryId(name, text, occurrence), file: path, line, text });
  }
  return { file: path, name, entries, invalidLines, tornLine, endsWithNewline, size: content.length };
}

/** Reads every <name>.ndjson file of the directory; a missing directory holds nothing. */
export async function readDeadLetterDirectory(directory: string): Promise<DeadLetterScan> {
  const path = resolve(directory);
  let names: string[];
  try {
    names = await readdir(path);
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT') return { directory: path, files: [], entries: [] };
    throw err;
  }
  const files: DeadLetterFile[] = [];
  for (const name of names.filter((candidate) => candidate.endsWith('.ndjson')).sort()) {
    const file = join(path, name);
    files.push(parseDeadLetterFile(file, await readFile(file)));
  }
  return { directory: path, files, entries: files.flatMap((file) => file.entries) };
}

export interface EntryFilter {
  /** Only this stream or source (or file name). */
  stream?: string | undefined;
  /** Only entries written at or after this time, ms since the epoch. */
  since?: number | undefined;
}

export function filterEntries<T extends DeadLetterEntry>(entries: readonly T[], filter: EntryFilter): T[] {
  return entries.filter((entry) => {
    if (filter.stream !== undefined && entry.stream !== filter.stream && basename(entry.file, '.ndjson') !== filter.stream) return false;
    if (filter.since !== undefined) {
      const time = Date.parse(entry.time);
      if (Number.isNaN(time) || time < filter.since) return false;
    }
    return true;
  });
}

export type EntryLookup = { kind: 'found'; entry: DeadLetterEntry } | { kind: 'ambiguous'; entries: DeadLetterEntry[] } | { kind: 'none' };

/** By full ID, or by a prefix of at least 4 characters that only one entry has. */
export function findEntry(entries: readonly DeadLetterEntry[], id: string): EntryLookup {
  const wanted = id.trim().toLowerCase();
  const exact = entries.find((entry) => entry.id === wanted);
  if (exact) return { kind: 'found', entry: exact };
  if (wanted.length < 4) return { kind: 'none' };
  const matches = entries.filter((entry) => entry.id.startsWith(wanted));
  const [only] = matches;
  if (matches.length === 1 && only) return { kind: 'found', entry: only };
  return matches.length > 1 ? { kind: 'ambiguous', entries: matches } : { kind: 'none' };
}
