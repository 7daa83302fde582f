// Real sshd logs through the whole path (parseSyslog → toSyslogRow → toAuthenticationRow), checked against
// loghub's own structured parse of the same lines: its EventTemplate column says which lines are "Accepted
// password…", "Failed password…", "Invalid user…", so each must become the matching ASIM row. Also runs the
// Azure-Sentinel Syslog-table sample through. The corpus lives in ../shared/corpus/syslog (nothing is copied
// into the repo); the test is skipped when it is absent.
import t from 'tap';
import type { Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSyslog } from '../../parsers/syslog/index.ts';
import { toSyslogRow } from '../../parsers/tables/syslog.ts';
import type { SyslogRow } from '../../parsers/tables/syslog.ts';
import { PROFILES } from '../../parsers/linux-auth/patterns.ts';
import { SKIP_REASONS, toAuthenticationRow } from '../../parsers/linux-auth/index.ts';
import type { AuthOutcome } from '../../parsers/linux-auth/index.ts';
import { CORPUS_URL } from '../fixtures/syslog/corpus.ts';

const LOG = new URL('loghub_OpenSSH_2k.log', CORPUS_URL);
const STRUCTURED = new URL('loghub_OpenSSH_2k.log_structured.csv', CORPUS_URL);
const AZURE = new URL('azure-sentinel/Linux_Authpriv_UserManagement_IngestedLogs.excerpt.csv', CORPUS_URL);

/** RFC 4180 fields of one CSV line (no embedded newlines in these files). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          value += line[i];
          i++;
        }
      }
      out.push(value);
      i++; // the comma
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

function readCsv(url: URL): Record<string, string>[] {
  const lines = readFileSync(url, 'utf8').split(/\r?\n/).filter((l) => l !== '');
  const header = csvFields(lines[0] ?? '');
  return lines.slice(1).map((line) => {
    const fields = csvFields(line);
    return Object.fromEntries(header.map((h, i) => [h, fields[i] ?? '']));
  });
}

function describe(o: AuthOutcome): string {
  return o.kind === 'row' ? `row ${o.row.EventType}/${o.row.EventResult}/${o.row.EventResultDetails ?? '-'}` : `skip ${o.reason}`;
}

function tally(counts: Map<string, number>, key: string, n = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

function commentCounts(t: Test, title: string, counts: Map<string, number>): void {
  t.comment(`${title}:\n` + [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`).join('\n'));
}

/** What loghub's template says the line is, and the ASIM row it must become. */
interface Expectation {
  EventType: string;
  EventResult: string;
  EventResultDetails: string | undefined;
  /** The user name as sshd logged it is TargetUsername (not "invalid user X", S3). */
  user: boolean;
  port: boolean;
}

const FAILURE_PASSWORD = { EventType: 'Logon', EventResult: 'Failure', EventResultDetails: 'Incorrect password', user: true, port: true };
const NO_SUCH_USER = { EventType: 'Logon', EventResult: 'Failure', EventResultDetails: 'No such user', user: true, port: true };
const KEY_TEMPLATES: Record<string, Expectation> = {
  'Accepted password for <*> from <*> port <*> ssh2': { EventType: 'Logon', EventResult: 'Success', EventResultDetails: undefined, user: true, port: true },
  'Failed password for <*> from <*> port <*> ssh2': FAILURE_PASSWORD,
  'message repeated <*> times: [ Failed password for root from <*> port <*>]': FAILURE_PASSWORD,
  'Failed password for invalid user <*> from <*> port <*> ssh2': NO_SUCH_USER,
  'Failed none for invalid user <*> from <*> port <*> ssh2': NO_SUCH_USER,
  // Old OpenSSH: no port (proposed S8).
  'Invalid user <*> from <*>': { ...NO_SUCH_USER, port: false },
  'reverse mapping checking getaddrinfo for <*> [<*>] failed - POSSIBLE BREAK-IN ATTEMPT!': {
    EventType: 'Logon',
    EventResult: 'Failure',
    EventResultDetails: 'Logon violates policy',
    user: false,
    port: false,
  },
};

/** The user and address sshd wrote, read independently of the parser. */
const USER_AND_ADDRESS = /for (?:invalid user )?(.*) from (\S+) port|^Invalid user (.*) from (\S+)$|\[(\S+)\] failed/;

{
  const missing = !existsSync(LOG) || !existsSync(STRUCTURED);
  const skip = missing ? `loghub OpenSSH corpus not found at ${fileURLToPath(LOG)}` : false;
  void t.test('loghub OpenSSH 2k: every line maps or is skipped with a reason; key templates match loghub', { skip }, async (t) => {
    const lines = readFileSync(LOG, 'utf8').split('\n').filter((l) => l !== '');
    const structured = readCsv(STRUCTURED);
    t.equal(lines.length, structured.length, 'one structured row per line');
    const receivedAt = Date.parse('2024-06-15T12:00:00.000Z');
    const outcomes = new Map<string, number>();
    const byTemplate = new Map<string, number>();
    const wantByOutcome = new Map<string, number>();
    let events = 0;
    let wantEvents = 0;
    let failures = 0;

    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const csv = structured[i] ?? {};
      const template = csv.EventTemplate ?? '';
      const syslog = toSyslogRow(parseSyslog(line, { receivedAt }), { hostIp: '192.0.2.1', receivedAt, truncated: false });
      let outcome: AuthOutcome;
      try {
        outcome = toAuthenticationRow(syslog);
      } catch (err: unknown) {
        t.fail(`line ${i + 1} threw ${String(err)}`);
        continue;
      }
      const got = describe(outcome);
      tally(outcomes, got);
      if (outcome.kind === 'row') events += outcome.row.EventCount;
      else if (!(SKIP_REASONS as readonly string[]).includes(outcome.reason)) t.fail(`line ${i + 1}: unknown skip reason ${outcome.reason}`);
      if (syslog.ProcessName !== 'sshd' || syslog.SyslogMessage.trim() !== (csv.Content ?? '').trim()) {
        t.fail(`line ${i + 1}: syslog parse disagrees with loghub (${String(syslog.ProcessName)} ${JSON.stringify(syslog.SyslogMessage)})`);
      }

      const want = KEY_TEMPLATES[template];
      if (want === undefined) {
        if (outcome.kind === 'row') t.fail(`line ${i + 1} (${template}) is not an authentication event but made ${got}`);
        continue;
      }
      tally(byTemplate, template);
      tally(wantByOutcome, `row ${want.EventType}/${want.EventResult}/${want.EventResultDetails ?? '-'}`);
      const repeated = /^message repeated (\d+) times/.exec(syslog.SyslogMessage);
      wantEvents += repeated === null ? 1 : Number(repeated[1]);
      const m = USER_AND_ADDRESS.exec(syslog.SyslogMessage);
      const problems: string[] = [];
      if (outcome.kind !== 'row') {
        problems.push(`skipped (${outcome.reason})`);
      } else {
        const row = outcome.row;
        if (row.EventType !== want.EventType) problems.push(`EventType ${row.EventType}`);
        if (row.EventResult !== want.EventResult) problems.push(`EventResult ${row.EventResult}`);
        if (row.EventResultDetails !== want.EventResultDetails) problems.push(`EventResultDetails ${String(row.EventResultDetails)}`);
        const user = m?.[1] ?? m?.[3];
        const address = m?.[2] ?? m?.[4] ?? m?.[5];
        if (want.user && row.TargetUsername !== (user === '' ? undefined : user)) problems.push(`TargetUsername ${String(row.TargetUsername)} want ${String(user)}`);
        if (row.SrcIpAddr === undefined || row.SrcIpAddr !== address) problems.push(`SrcIpAddr ${String(row.SrcIpAddr)} want ${String(address)}`);
        if (want.port !== (row.SrcPortNumber !== undefined)) problems.push(`SrcPortNumber ${String(row.SrcPortNumber)}`);
        if (repeated !== null && row.EventCount !== Number(repeated[1])) problems.push(`EventCount ${row.EventCount}`);
      }
      if (problems.length > 0) {
        failures++;
        if (failures <= 20) t.fail(`line ${i + 1} ${JSON.stringify(syslog.SyslogMessage)}: ${problems.join('; ')}`);
      }
    }

    commentCounts(t, 'outcomes (2000 lines)', outcomes);
    commentCounts(t, 'key loghub templates', byTemplate);
    t.equal(failures, 0, 'every key-template line becomes the expected row');
    for (const [key, n] of wantByOutcome) t.equal(outcomes.get(key) ?? 0, n, `${key}: as many rows as loghub has lines of those templates`);
    const rows = [...outcomes].filter(([k]) => k.startsWith('row ')).reduce((a, [, n]) => a + n, 0);
    const keyLines = [...byTemplate.values()].reduce((a, n) => a + n, 0);
    t.equal(rows, keyLines, `rows (${rows}) = key-template lines; no other line makes a row`);
    t.equal(events, wantEvents, `EventCount sum ${events} (message repeated N times counts N)`);
  });
}

/** "7/28/2023, 8:07:14.552 PM" (UTC) → ISO. */
function sentinelTime(text: string): string {
  const m = /^(\d+)\/(\d+)\/(\d{4}), (\d+):(\d{2}):(\d{2})(\.\d+)? (AM|PM)$/.exec(text.trim());
  if (m === null) throw new Error(`unexpected time ${text}`);
  const hour = (Number(m[4]) % 12) + (m[8] === 'PM' ? 12 : 0);
  const ms = Math.round(Number(m[7] ?? '0') * 1000);
  return new Date(Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), hour, Number(m[5]), Number(m[6]), ms)).toISOString();
}

{
  const skip = existsSync(AZURE) ? false : `Azure-Sentinel sample not found at ${fileURLToPath(AZURE)}`;
  void t.test('Azure-Sentinel Linux authpriv sample (Syslog table export)', { skip }, async (t) => {
    const outcomes = new Map<string, number>();
    const records = readCsv(AZURE);
    t.ok(records.length > 0, 'has rows');
    for (const r of records) {
      const pid = Number(r.ProcessID);
      const syslog: SyslogRow = {
        TimeGenerated: sentinelTime(r['TimeGenerated [UTC]'] ?? ''),
        EventTime: sentinelTime(r['EventTime [UTC]'] ?? ''),
        Computer: r.Computer ?? '',
        HostName: r.HostName ?? '',
        HostIP: r.HostIP ?? '',
        Facility: r.Facility ?? '',
        SeverityLevel: r.SeverityLevel ?? '',
        ProcessName: r.ProcessName === '' ? undefined : r.ProcessName,
        ProcessID: Number.isInteger(pid) ? pid : undefined,
        SyslogMessage: r.SyslogMessage ?? '',
        SourceSystem: r.SourceSystem ?? 'Linux',
        AsimdFlags: undefined,
      };
      const outcome = toAuthenticationRow(syslog);
      const process = syslog.ProcessName ?? '-';
      tally(outcomes, `${process}: ${describe(outcome)}`);
      if (PROFILES.has(process)) t.ok(outcome.kind === 'row' || outcome.reason !== 'not_linux_auth_process', `${process} line handled`);
      else t.same(outcome, { kind: 'skip', reason: 'not_linux_auth_process' }, `${process} is not sshd/su/sudo`);
    }
    commentCounts(t, `outcomes (${records.length} rows)`, outcomes);
  });
}
