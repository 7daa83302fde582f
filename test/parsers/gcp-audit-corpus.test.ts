// Every file of the third-party GCP audit corpus (../shared/corpus/gcp-audit, nothing copied into the repo) through
// gcpLogEntriesOf + normalizeGcpAuditEntry: nothing throws, every input gets a defined outcome, and the outcome
// counts per file are printed. Shapes: Panther JSONL (402 test records, many partial or not LogEntries at all,
// Panther-renamed keys such as `at_sign_type`/`logname`, Panther's zone-less time format), elastic .log files (one
// LogEntry per line), gcp-mitre-attack-external (one pretty-printed LogEntry per file), google-cloudevents (one
// LogEntryData per file, protoPayload may lack `@type`). Checks independent of the parser: every well-formed audit
// LogEntry makes both rows, the rows carry the entry's own values, and re-wrapping each entry in a Pub/Sub push body
// or a CloudEvent changes nothing. The test is skipped when the corpus is absent.
import t from 'tap';
import type { Test } from 'tap';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENVELOPE_INVALID_REASONS, INVALID_REASONS, SKIP_REASONS, gcpLogEntriesOf, normalizeGcpAuditEntry } from '../../parsers/gcp-audit/index.ts';
import type { GcpAuditOutcome } from '../../parsers/gcp-audit/index.ts';

const CORPUS_URL = new URL('../../../shared/corpus/gcp-audit/', import.meta.url);
const ROOT = fileURLToPath(CORPUS_URL);
const RECEIVED_AT = Date.parse('2024-06-15T12:00:00.000Z');
const KNOWN_REASONS: ReadonlySet<string> = new Set([...SKIP_REASONS, ...INVALID_REASONS, ...ENVELOPE_INVALID_REASONS, 'json_parse_error']);
/** A well-formed RFC 3339 UTC time as Cloud Logging writes it. */
const LOGGING_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const AUDIT_LOG_NAME = /\/logs\/cloudaudit\.googleapis\.com%2F(activity|data_access|system_event|policy)$/;

function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    })
    .filter((path) => !path.endsWith('.md') && !path.endsWith('.meta.jsonl'));
}

/** A file's documents: the whole file when it is one JSON value (pretty-printed files), else one per line. */
function documents(path: string): Array<{ where: string; text: string }> {
  const text = readFileSync(path, 'utf8');
  try {
    JSON.parse(text);
    return [{ where: '', text }];
  } catch {
    return text
      .split('\n')
      .map((line, i) => ({ where: `:${i + 1}`, text: line }))
      .filter((d) => d.text.trim() !== '');
  }
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function tally(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function commentCounts(t: Test, title: string, counts: Map<string, number>): void {
  t.comment(`${title}:\n` + [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`).join('\n'));
}

function describe(o: GcpAuditOutcome): string {
  return o.kind === 'rows' ? 'rows' : `${o.kind} ${o.reason}`;
}

/** The parser-independent reading of a well-formed Cloud Audit Logs entry, or undefined. */
function wellFormedAudit(entry: unknown): Record<string, unknown> | undefined {
  const e = rec(entry);
  const p = rec(e?.protoPayload);
  if (e === undefined || p === undefined) return undefined;
  const type = p['@type'];
  if (type !== undefined && type !== 'type.googleapis.com/google.cloud.audit.AuditLog') return undefined;
  if (typeof e.logName !== 'string' || !AUDIT_LOG_NAME.test(e.logName)) return undefined;
  if (typeof e.timestamp !== 'string' || !LOGGING_TIME.test(e.timestamp)) return undefined;
  if (typeof p.methodName !== 'string' || p.methodName === '') return undefined;
  return e;
}

function wrapPush(entry: unknown): unknown {
  return { message: { data: Buffer.from(JSON.stringify(entry)).toString('base64'), messageId: '1' }, subscription: 'projects/p/subscriptions/s' };
}

function wrapCloudEvent(entry: unknown): unknown {
  return { specversion: '1.0', type: 'google.cloud.audit.log.v1.written', source: '//cloudaudit.googleapis.com/x', id: '1', data: entry };
}

{
  const skip = existsSync(CORPUS_URL) ? false : `GCP audit corpus not found at ${ROOT}`;
  void t.test('GCP audit corpus: every document and entry gets a defined outcome; no throw', { skip }, async (t) => {
    const all = new Map<string, number>();
    const eventTypes = new Map<string, number>();
    let wellFormed = 0;
    for (const path of files(ROOT)) {
      const file = relative(ROOT, path);
      const counts = new Map<string, number>();
      for (const doc of documents(path)) {
        const where = `${file}${doc.where}`;
        let parsed: unknown;
        try {
          parsed = JSON.parse(doc.text);
        } catch {
          tally(counts, 'json_parse_error');
          continue;
        }
        let outcomes: GcpAuditOutcome[];
        let entries: unknown[];
        try {
          const got = gcpLogEntriesOf(parsed);
          entries = got.entries;
          if (got.invalid !== undefined) tally(counts, `document invalid ${got.invalid}`);
          outcomes = entries.map((e) => normalizeGcpAuditEntry(e, RECEIVED_AT, got.subscription));
        } catch (err: unknown) {
          t.fail(`${where} threw ${String(err)}`);
          continue;
        }
        outcomes.forEach((o, i) => {
          tally(counts, describe(o));
          if (o.kind !== 'rows') {
            if (!KNOWN_REASONS.has(o.reason)) t.fail(`${where}: unknown reason ${o.reason}`);
          } else if (o.auditEvent !== undefined) {
            tally(eventTypes, `${o.auditEvent.EventType}${o.auditEvent.EventType === 'Other' ? ` (${o.auditEvent.Operation ?? ''})` : ''}`);
          }
          const entry = entries[i];
          const audit = wellFormedAudit(entry);
          if (audit === undefined) return;
          wellFormed++;
          if (o.kind !== 'rows' || o.auditEvent === undefined) {
            t.fail(`${where}: well-formed audit entry gave ${describe(o)}`);
            return;
          }
          const p = rec(audit.protoPayload) ?? {};
          const status = rec(p.status);
          const code = status?.code;
          const problems: string[] = [];
          if (o.gcpAuditLogs.MethodName !== p.methodName) problems.push('MethodName');
          if (o.gcpAuditLogs.LogName !== audit.logName) problems.push('LogName');
          if (o.gcpAuditLogs.InsertId !== audit.insertId) problems.push('InsertId');
          if (Date.parse(o.auditEvent.TimeGenerated) !== Math.floor(Date.parse(audit.timestamp as string))) problems.push('TimeGenerated');
          if (o.auditEvent.EventResult !== (code === undefined || code === 0 ? 'Success' : 'Failure')) problems.push('EventResult');
          if (o.auditEvent.EventSubType !== AUDIT_LOG_NAME.exec(audit.logName as string)?.[1]) problems.push('EventSubType');
          const email = rec(p.authenticationInfo)?.principalEmail;
          if (o.auditEvent.ActorUsername !== (email === '' ? undefined : email)) problems.push('ActorUsername');
          if (o.auditEvent.Object === undefined) problems.push('Object');
          for (const wrapped of [wrapPush(entry), wrapCloudEvent(entry)]) {
            const again = gcpLogEntriesOf(wrapped);
            const o2 = again.entries.length === 1 ? normalizeGcpAuditEntry(again.entries[0], RECEIVED_AT) : undefined;
            if (o2?.kind !== 'rows' || JSON.stringify(o2.auditEvent) !== JSON.stringify(o.auditEvent)) problems.push('re-wrapped differs');
          }
          if (problems.length > 0) t.fail(`${where} entry ${i}: ${problems.join(', ')}`);
        });
      }
      commentCounts(t, file, counts);
      for (const [k, n] of counts) all.set(k, (all.get(k) ?? 0) + n);
      t.ok(counts.size > 0, `${file}: processed`);
    }
    commentCounts(t, 'all files', all);
    commentCounts(t, 'AuditEvent EventType', eventTypes);
    t.ok(wellFormed > 0, `${wellFormed} well-formed audit entries, each made both rows`);
  });
}

