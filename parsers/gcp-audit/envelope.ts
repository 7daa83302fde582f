/**
 * LogEntries out of the shapes a Cloud Logging sink delivers them in (parsed JSON). Framing only: this file
 * never judges a LogEntry (index.ts does), it only unwraps envelopes (STYLE §4). Pure; never throws.
 *
 * Accepted documents, recognised in this order at every level:
 * - an array: each element is unwrapped on its own (a batch of LogEntries, of push bodies or of CloudEvents);
 * - a CloudEvent in structured JSON mode (`specversion` present): its `data` (a LogEntryData, i.e. a LogEntry, or
 *   an Eventarc MessagePublishedData), or `data_base64` decoded as JSON; a `data` string is read as JSON text;
 * - a Pub/Sub push body `{message: {data, attributes, messageId, publishTime}, subscription}`, also the Eventarc
 *   MessagePublishedData of the same shape: `message.data` is base64 of the LogEntry JSON;
 * - a bare PubsubMessage `{data, messageId | attributes | publishTime}`: the same decoding;
 * - anything else is taken as a LogEntry (the unwrapped Pub/Sub payload, a CloudEvents binary-mode body, a line
 *   of an export). normalizeGcpAuditEntry decides what it is.
 *
 * A LogEntry never has `specversion`, a `message` object, or a `data` string, so the tests cannot mistake one.
 * A problem in one part of a document (bad base64, a scalar where an object belongs) is reported in `invalid`
 * (the first one) and the other parts are still returned.
 */
import { objectOf } from '../tables/gcp-audit-logs.ts';

export interface GcpLogEntries {
  entries: unknown[];
  /** The first problem found in the document, or undefined. */
  invalid: string | undefined;
  /** The push body's `subscription`, when the document names exactly one. */
  subscription: string | undefined;
}

/** Envelope problems (GcpLogEntries.invalid). */
export const ENVELOPE_INVALID_REASONS = [
  'not_an_object',
  'cloudevent_without_data',
  'pubsub_message_without_data',
  'pubsub_data_not_base64',
  'data_not_json',
  'too_deeply_nested',
] as const;
export type EnvelopeInvalidReason = (typeof ENVELOPE_INVALID_REASONS)[number];

/** Envelopes inside envelopes (CloudEvent → MessagePublishedData → LogEntry is 2); deeper is refused. */
const MAX_DEPTH = 4;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

interface State {
  entries: unknown[];
  invalid: EnvelopeInvalidReason | undefined;
  subscription: string | undefined;
  subscriptions: number;
}

function fail(s: State, reason: EnvelopeInvalidReason): void {
  s.invalid ??= reason;
}

function decodedJson(s: State, text: string, depth: number): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    fail(s, 'data_not_json');
    return;
  }
  collect(s, value, depth);
}

function pubsubMessage(s: State, message: Readonly<Record<string, unknown>>, depth: number): void {
  const data = message.data;
  if (typeof data !== 'string' || data === '') {
    fail(s, 'pubsub_message_without_data');
    return;
  }
  if (!BASE64.test(data)) {
    fail(s, 'pubsub_data_not_base64');
    return;
  }
  decodedJson(s, Buffer.from(data, 'base64').toString('utf8'), depth + 1);
}

function collect(s: State, value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) {
    fail(s, 'too_deeply_nested');
    return;
  }
  if (Array.isArray(value)) {
    for (const element of value as unknown[]) collect(s, element, depth + 1);
    return;
  }
  const o = objectOf(value);
  if (o === undefined) {
    fail(s, 'not_an_object');
    return;
  }
  if (typeof o.specversion === 'string') {
    const data = o.data;
    if (typeof data === 'string') decodedJson(s, data, depth + 1);
    else if (data !== undefined && data !== null) collect(s, data, depth + 1);
    else if (typeof o.data_base64 === 'string' && BASE64.test(o.data_base64)) decodedJson(s, Buffer.from(o.data_base64, 'base64').toString('utf8'), depth + 1);
    else fail(s, typeof o.data_base64 === 'string' ? 'pubsub_data_not_base64' : 'cloudevent_without_data');
    return;
  }
  const message = objectOf(o.message);
  if (message !== undefined) {
    const subscription = o.subscription;
    if (typeof subscription === 'string' && subscription !== '' && subscription !== s.subscription) {
      s.subscriptions++;
      s.subscription = subscription;
    }
    pubsubMessage(s, message, depth);
    return;
  }
  if (typeof o.data === 'string' && (o.messageId !== undefined || o.message_id !== undefined || o.attributes !== undefined || o.publishTime !== undefined)) {
    pubsubMessage(s, o, depth);
    return;
  }
  s.entries.push(o);
}

/**
 * LogEntries from the shapes they arrive in (parsed JSON): a LogEntry, an array of LogEntries, a Pub/Sub push body
 * {message:{data(base64), attributes, messageId}, subscription} (decode base64 → JSON LogEntry), the unwrapped
 * Pub/Sub payload, or a CloudEvents LogEntryData wrapper.
 */
export function gcpLogEntriesOf(document: unknown): GcpLogEntries {
  const s: State = { entries: [], invalid: undefined, subscription: undefined, subscriptions: 0 };
  collect(s, document, 0);
  return { entries: s.entries, invalid: s.invalid, subscription: s.subscriptions === 1 ? s.subscription : undefined };
}
