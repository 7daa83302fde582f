// Conformance against third-party vectors (../shared/corpus/syslog from the repo root): go-syslog,
// netty-codec-syslog, loghub and rsyslog's parser tests are compared field by field; syslog-loose's test
// messages, rsyslog's test-suite messages and its fuzz seeds must parse without throwing and make a row.
// A vector that disagrees fails unless it is listed, with the reason, in
// test/fixtures/syslog/corpus-deviations.json; a listed vector that now agrees fails too, so the list stays
// accurate. Each file reports (t.comment) vectors checked, agreeing, listed deviations and the share.
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { facilityName, parseSyslog, severityName } from '../../parsers/syslog/index.ts';
import type { SyslogMessage } from '../../parsers/syslog/index.ts';
import { toSyslogRow } from '../../parsers/tables/syslog.ts';
import {
  CORPUS_URL, corpusAvailable, disagreements, loadCorpusVectors, loadRsyslogParserVectors, loadRsyslogSmokeMessages,
  loadSyslogLooseMessages, rsyslogDisagreements,
} from '../fixtures/syslog/corpus.ts';
import type { CorpusVector, RsyslogVector } from '../fixtures/syslog/corpus.ts';

const RECEIVED_AT = Date.UTC(2019, 0, 1);

/** Parses and builds a row, failing the test if either throws or the row is not a row. */
function parseToRow(t: Test, id: string, input: string, receivedAt: number): SyslogMessage | undefined {
  try {
    const msg = parseSyslog(input, { receivedAt });
    const row = toSyslogRow(msg, { hostIp: '192.0.2.1', receivedAt, truncated: false });
    if (typeof row.SyslogMessage !== 'string' || row.TimeGenerated === '' || row.Computer === '') {
      t.fail(`${id}: no row`);
      return undefined;
    }
    return msg;
  } catch (err: unknown) {
    t.fail(`${id}: threw ${String(err)}`);
    return undefined;
  }
}

function percent(n: number, of: number): string {
  return of === 0 ? 'n/a' : `${((100 * n) / of).toFixed(1)}%`;
}

if (!corpusAvailable()) {
  t.plan(0, `corpus not found at ${fileURLToPath(CORPUS_URL)}`);
} else {
  const deviations = JSON.parse(
    readFileSync(new URL('../fixtures/syslog/corpus-deviations.json', import.meta.url), 'utf8'),
  ) as Record<string, string>;
  const seen = new Set<string>();

  /** Shared bookkeeping for one vector file; `diff` is the list of disagreeing fields. */
  const tally = (t: Test, file: string) => {
    let checked = 0;
    let agreed = 0;
    let deviated = 0;
    return {
      check(id: string, input: string, diff: string[], detail: () => string): void {
        seen.add(id);
        checked++;
        const reason = deviations[id];
        if (diff.length === 0) {
          agreed++;
          if (reason !== undefined) t.fail(`${id} is listed as a deviation but now agrees; remove it`);
        } else if (reason !== undefined) {
          deviated++;
        } else {
          t.fail(`${id} ${JSON.stringify(input.slice(0, 120))}: ${detail()}`);
        }
      },
      report(extra: string): void {
        const line = `${file}: ${checked} checked, ${agreed} agree (${percent(agreed, checked)}), ${deviated} listed deviations${extra}`;
        t.comment(line);
        t.pass(line);
      },
    };
  };

  const byFile = new Map<string, CorpusVector[]>();
  for (const v of loadCorpusVectors()) {
    const list = byFile.get(v.file) ?? [];
    list.push(v);
    byFile.set(v.file, list);
  }

  for (const [file, vectors] of byFile) {
    void t.test(file, async (t) => {
      const stats = tally(t, file);
      let invalid = 0;
      for (const v of vectors) {
        // Every result must make a row, valid input or not.
        const msg = parseToRow(t, v.id, v.input, v.receivedAt);
        if (msg === undefined) continue;
        if (!v.valid) {
          invalid++;
          continue;
        }
        const diff = disagreements(v, msg);
        stats.check(v.id, v.input, diff, () =>
          diff.map((f) => `${f}: want ${JSON.stringify(v.expected[f])} got ${JSON.stringify(msg[f])}`).join('; '));
      }
      stats.report(invalid > 0 ? `; ${invalid} invalid vectors (strict parsers reject them) parsed to rows without throwing` : '');
    });
  }

  void t.test('rsyslog_parser_tests.jsonl', async (t) => {
    const file = 'rsyslog_parser_tests.jsonl';
    const { vectors, smoke } = loadRsyslogParserVectors();
    const stats = tally(t, file);
    const names = { facility: facilityName, severity: severityName };
    for (const v of vectors) {
      const msg = parseToRow(t, v.id, v.input, RECEIVED_AT);
      if (msg === undefined) continue;
      const diff = rsyslogDisagreements(v, msg, names);
      stats.check(v.id, v.input, diff, () => `${diff.join(', ')} differ: rsyslog ${JSON.stringify(v.line)}; ours ${render(v, msg)}`);
    }
    smoke.forEach((input, i) => parseToRow(t, `${file} smoke #${i + 1}`, input, RECEIVED_AT));
    stats.report(`; ${smoke.length} more inputs (no comparable template) parsed to rows without throwing`);
  });

  void t.test('syslog-loose_test_messages.jsonl', async (t) => {
    // No expected values in the file (the Rust tests assert fields in code; not re-derived here): parse
    // without throwing, make a row, and pick the format the message plainly has.
    const messages = loadSyslogLooseMessages();
    const formats: Record<string, number> = {};
    for (const m of messages) {
      const msg = parseToRow(t, m.id, m.input, RECEIVED_AT);
      if (msg === undefined) continue;
      formats[msg.format] = (formats[msg.format] ?? 0) + 1;
      const trimmed = m.input.trim();
      const want = /^<\d{1,3}>\d{1,2} /.test(trimmed) ? ['rfc5424'] : trimmed.startsWith('<') ? ['rfc3164'] : ['rfc3164', 'unparsed'];
      t.ok(want.includes(msg.format), `${m.id} (${m.source}): format ${msg.format}`);
    }
    t.comment(`syslog-loose_test_messages.jsonl: ${messages.length} messages parsed to rows without throwing; formats ${JSON.stringify(formats)}`);
  });

  void t.test('rsyslog_testsuite_messages.jsonl and rsyslog_fuzz_seed_corpus.jsonl', async (t) => {
    const counts = new Map<string, { rows: number; formats: Record<string, number>; problems: number }>();
    for (const m of loadRsyslogSmokeMessages()) {
      const c = counts.get(m.file) ?? { rows: 0, formats: {}, problems: 0 };
      counts.set(m.file, c);
      const msg = parseToRow(t, m.id, m.input, RECEIVED_AT);
      if (msg === undefined) continue;
      c.rows++;
      c.formats[msg.format] = (c.formats[msg.format] ?? 0) + 1;
      if (msg.problem !== undefined) c.problems++;
    }
    for (const [file, c] of counts) {
      const line = `${file}: ${c.rows} rows, none thrown; formats ${JSON.stringify(c.formats)}; ${c.problems} flagged with a problem code`;
      t.comment(line);
      t.pass(line);
    }
  });

  void t.test('every listed deviation names a known vector', async (t) => {
    for (const id of Object.keys(deviations)) if (!seen.has(id)) t.fail(`unknown vector id ${id}`);
    t.pass(`${Object.keys(deviations).length} deviations listed`);
  });
}

/** Our result in the vector's template vocabulary, for failure messages. */
function render(v: RsyslogVector, msg: SyslogMessage): string {
  const value: Record<string, string> = {
    PRI: String(msg.facility * 8 + msg.severity),
    'syslogfacility-text': facilityName(msg.facility),
    'syslogseverity-text': severityName(msg.severity),
    timestamp: msg.timestamp === undefined ? '' : new Date(msg.timestamp).toISOString(),
    hostname: msg.hostname ?? '$RS_HOSTNAME',
    programname: msg.appName ?? '',
    syslogtag: msg.appName === undefined ? '' : `${msg.appName}${msg.procId === undefined ? '' : `[${msg.procId}]`}`,
    msg: msg.message,
    rawmsg: msg.message,
  };
  return JSON.stringify(v.properties.map((p, i) => `${v.literals[i] ?? ''}${value[p] ?? ''}`).join('') + (v.literals.at(-1) ?? ''));
}
