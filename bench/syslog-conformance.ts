// Conformance side by side: ours vs nsyslog-parser over the same corpus vectors (go-syslog,
// netty-codec-syslog, loghub), counting per vector file how many vectors each parser gets right,
// per field and for all checked fields together. Deviations listed in
// test/fixtures/syslog/corpus-deviations.json are counted as disagreements here (raw agreement).
// Run: node --import ./scripts/ts-loader.mjs bench/syslog-conformance.ts
import { createRequire } from 'node:module';
import { parseSyslog } from '../parsers/syslog/index.ts';
import { corpusAvailable, CORPUS_URL, disagreements, FIELD_NAMES, loadCorpusVectors } from '../test/fixtures/syslog/corpus.ts';
import type { CorpusVector, FieldName, ObservedFields } from '../test/fixtures/syslog/corpus.ts';

interface NsyslogResult {
  facilityval?: number;
  levelval?: number;
  ts?: unknown;
  host?: string;
  appName?: string;
  pid?: string;
  messageid?: string;
  message?: string;
}
const require = createRequire(import.meta.url);
const nsyslogParse = require('nsyslog-parser') as (text: string) => NsyslogResult;

function nil(v: string | undefined): string | undefined {
  return v === undefined || v === '-' || v === '' ? undefined : v;
}

function ours(v: CorpusVector): ObservedFields {
  return parseSyslog(v.input, { receivedAt: v.receivedAt });
}

function nsyslog(v: CorpusVector): ObservedFields {
  const r = nsyslogParse(v.input);
  const ts = r.ts instanceof Date && !Number.isNaN(r.ts.getTime()) ? r.ts.getTime() : undefined;
  return {
    facility: typeof r.facilityval === 'number' ? r.facilityval : 1,
    severity: typeof r.levelval === 'number' ? r.levelval : 5,
    timestamp: ts,
    hostname: nil(r.host),
    appName: nil(r.appName),
    procId: nil(r.pid),
    msgId: nil(r.messageid),
    message: r.message ?? '',
  };
}

if (!corpusAvailable()) {
  console.error(`corpus not found at ${CORPUS_URL.pathname}`);
  process.exit(1);
}

const parsers: [string, (v: CorpusVector) => ObservedFields][] = [['ours', ours], ['nsyslog', nsyslog]];
const byFile = new Map<string, CorpusVector[]>();
for (const v of loadCorpusVectors()) {
  if (!v.valid || Object.keys(v.expected).length === 0) continue;
  const list = byFile.get(v.file) ?? [];
  list.push(v);
  byFile.set(v.file, list);
}

const short: Record<FieldName, string> = {
  facility: 'fac', severity: 'sev', timestamp: 'time', hostname: 'host', appName: 'app', procId: 'pid', msgId: 'msgid', message: 'msg',
};
console.log('Agreement with each vector file\'s expected values (vectors with expectations only).');
console.log('Cells: vectors right / vectors where that field is checked.\n');
console.log(`| file | parser | all fields | ${FIELD_NAMES.map((f) => short[f]).join(' | ')} |`);
console.log(`|---|---|---:|${FIELD_NAMES.map(() => '---:').join('|')}|`);
const totals = new Map<string, [number, number]>();
for (const [file, vectors] of byFile) {
  for (const [name, parse] of parsers) {
    let all = 0;
    const right = new Map<FieldName, number>();
    const checked = new Map<FieldName, number>();
    for (const v of vectors) {
      let got: ObservedFields | undefined;
      try {
        got = parse(v);
      } catch {
        got = undefined;
      }
      const diff = got === undefined ? FIELD_NAMES.filter((f) => f in v.expected) : disagreements(v, got);
      if (diff.length === 0) all++;
      for (const f of FIELD_NAMES) {
        if (!(f in v.expected)) continue;
        checked.set(f, (checked.get(f) ?? 0) + 1);
        if (!diff.includes(f)) right.set(f, (right.get(f) ?? 0) + 1);
      }
    }
    const t = totals.get(name) ?? [0, 0];
    totals.set(name, [t[0] + all, t[1] + vectors.length]);
    const cells = FIELD_NAMES.map((f) => (checked.has(f) ? `${right.get(f) ?? 0}/${checked.get(f) ?? 0}` : '–'));
    console.log(`| ${file} | ${name} | ${all}/${vectors.length} | ${cells.join(' | ')} |`);
  }
}
console.log('');
for (const [name, [all, n]] of totals) console.log(`${name}: ${all}/${n} vectors fully right (${((100 * all) / n).toFixed(1)} %)`);
