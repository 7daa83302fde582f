// Conformance against third-party vectors (../shared/corpus/syslog from the repo root): go-syslog,
// netty-codec-syslog and loghub. A vector that disagrees fails unless it is listed, with the reason,
// in test/fixtures/syslog/corpus-deviations.json; a listed vector that now agrees fails too, so the
// list stays accurate.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSyslog } from '../../parsers/syslog/index.ts';
import { toSyslogRow } from '../../parsers/tables/syslog.ts';
import { CORPUS_URL, corpusAvailable, disagreements, loadCorpusVectors } from '../fixtures/syslog/corpus.ts';
import type { CorpusVector } from '../fixtures/syslog/corpus.ts';

if (!corpusAvailable()) {
  t.plan(0, `corpus not found at ${fileURLToPath(CORPUS_URL)}`);
} else {
  const deviations = JSON.parse(
    readFileSync(new URL('../fixtures/syslog/corpus-deviations.json', import.meta.url), 'utf8'),
  ) as Record<string, string>;
  const byFile = new Map<string, CorpusVector[]>();
  for (const v of loadCorpusVectors()) {
    const list = byFile.get(v.file) ?? [];
    list.push(v);
    byFile.set(v.file, list);
  }
  const seen = new Set<string>();

  for (const [file, vectors] of byFile) {
    void t.test(file, async (t) => {
      let agreed = 0;
      let deviated = 0;
      for (const v of vectors) {
        seen.add(v.id);
        const msg = parseSyslog(v.input, { receivedAt: v.receivedAt });
        // Every result must make a row, valid input or not.
        const row = toSyslogRow(msg, { hostIp: '192.0.2.1', receivedAt: v.receivedAt, truncated: false });
        if (typeof row.SyslogMessage !== 'string' || row.TimeGenerated === '') t.fail(`${v.id}: no row`);
        if (!v.valid) continue;
        const diff = disagreements(v, msg);
        const reason = deviations[v.id];
        if (diff.length === 0) {
          agreed++;
          if (reason !== undefined) t.fail(`${v.id} is listed as a deviation but now agrees; remove it`);
        } else if (reason !== undefined) {
          deviated++;
        } else {
          const detail = diff.map((f) => `${f}: want ${JSON.stringify(v.expected[f])} got ${JSON.stringify(msg[f])}`);
          t.fail(`${v.id} ${JSON.stringify(v.input.slice(0, 120))}: ${detail.join('; ')}`);
        }
      }
      const checked = vectors.filter((v) => v.valid).length;
      t.pass(`${file}: ${agreed}/${checked} agree, ${deviated} listed deviations, ${vectors.length - checked} invalid vectors parsed without throwing`);
    });
  }

  void t.test('every listed deviation names a known vector', async (t) => {
    for (const id of Object.keys(deviations)) if (!seen.has(id)) t.fail(`unknown vector id ${id}`);
    t.pass(`${Object.keys(deviations).length} deviations listed`);
  });
}
