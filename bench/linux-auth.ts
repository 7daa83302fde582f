// ASIM Authentication throughput, one core, over the loghub OpenSSH 2k lines (all sshd: 723 become rows).
// Run: node --import ./scripts/ts-loader.mjs bench/linux-auth.ts
// A script, not a test: median of 5 runs of >= 1 s each, after a 1 s warm-up. Rows:
//   toAuthenticationRow + JSON.stringify   parseSyslog + toSyslogRow done once, OUTSIDE the timed loop
//   baseline JSON.stringify(SyslogRow)     what the agent already pays per message for the Syslog table
//   full path                              parseSyslog + toSyslogRow + toAuthenticationRow + stringify, all INSIDE
//   other process (cron)                   the cheap rejection every non-sshd/su/sudo message pays
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { parseSyslog } from '../parsers/syslog/index.ts';
import { toSyslogRow } from '../parsers/tables/syslog.ts';
import type { SyslogRow } from '../parsers/tables/syslog.ts';
import { toAuthenticationRow } from '../parsers/linux-auth/index.ts';
import { CORPUS_URL } from '../test/fixtures/syslog/corpus.ts';
import { commit, consumed, fmt, median, rate } from './harness.ts';

const RUNS = 5;
const RUN_MS = 1000;
const WARMUP_MS = 1000;





const LOG = new URL('loghub_OpenSSH_2k.log', CORPUS_URL);
if (!existsSync(LOG)) {
  console.error(`corpus not found at ${LOG.pathname}`);
  process.exit(1);
}

const receivedAt = Date.parse('2024-06-15T12:00:00.000Z');
const lines = readFileSync(LOG, 'utf8').split('\n').filter((l) => l !== '');
const ctx = { hostIp: '192.0.2.1', receivedAt, truncated: false };
const rows: SyslogRow[] = lines.map((l) => toSyslogRow(parseSyslog(l, { receivedAt }), ctx));
const cronRows: SyslogRow[] = rows.map((r) => ({ ...r, ProcessName: 'CRON' }));
const made = rows.filter((r) => toAuthenticationRow(r).kind === 'row').length;

function auth(r: SyslogRow): number {
  const o = toAuthenticationRow(r);
  return o.kind === 'row' ? JSON.stringify(o.row).length : 0;
}

const cases: [string, (i: number) => number][] = [
  ['toAuthenticationRow + JSON.stringify (Syslog rows prebuilt)', (i) => auth(rows[i] as SyslogRow)],
  ['baseline: JSON.stringify(SyslogRow)', (i) => JSON.stringify(rows[i]).length],
  ['full path: parseSyslog + toSyslogRow + toAuthenticationRow + stringify', (i) => auth(toSyslogRow(parseSyslog(lines[i] ?? '', { receivedAt }), ctx))],
  ['other process (CRON): rejection only', (i) => auth(cronRows[i] as SyslogRow)],
];

const cpus = os.cpus();
console.log(`node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), ${os.platform()} ${os.arch()}, commit ${commit()}`);
console.log(`input: loghub_OpenSSH_2k.log, ${lines.length} sshd lines, ${made} become ASIM rows, the rest are skips`);
console.log(`single thread, median of ${RUNS} runs of >= ${RUN_MS} ms after ${WARMUP_MS} ms warm-up; msgs/s counts every input line\n`);
console.log('| case | msgs/s (median) | min | max |');
console.log('|---|---:|---:|---:|');
for (const [name, step] of cases) {
  rate(lines.length, step, WARMUP_MS);
  const results: number[] = [];
  for (let r = 0; r < RUNS; r++) results.push(rate(lines.length, step, RUN_MS));
  console.log(`| ${name} | ${fmt(median(results))} | ${fmt(Math.min(...results))} | ${fmt(Math.max(...results))} |`);
}
if (consumed() === 42) console.log('');
