/**
 * Messages/s on one core in a real worker thread: parse + normalize +
 * serialize (the pipeline's worker, src/pipeline/worker.ts, in a one-thread
 * piscina pool, fed tasks of frames as the sources build them). Categories:
 * RFC 5424, RFC 3164, CEF and sshd lines. A script, not a test.
 *
 *   node --import ./scripts/ts-loader.mjs bench/worker.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import { environment } from './harness.ts';
import { workerPool, workerRate } from './worker-pool.ts';

const ROOT = new URL('../', import.meta.url);
const CORPUS = new URL('../shared/corpus/', ROOT);
const RUN_MS = 1500;
const RUNS = 3;

function corpusLines(path: string): string[] {
  const file = new URL(path, CORPUS);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
}

/** ~250-byte RFC 5424 lines, the shape DESIGN.md §6 measures with. */
function rfc5424(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    `<134>1 2026-11-28T12:00:00.${String(i % 1000).padStart(3, '0')}Z fw-${i % 16}.example.net firewall ${1000 + (i % 50)} TRAFFIC [meta sequenceId="${i}"] src=10.0.${i % 256}.${(i >> 8) % 256} dst=192.168.1.${i % 200} action=allow user=user${i % 1000}`.padEnd(249, ' '),
  );
}

const loghub = (name: string): string[] => corpusLines(`syslog/${name}`).map((line) => `<38>${line}`);
const cefLines = [
  ...corpusLines('cef/azure-sentinel/fortiwebwafsamplelog.excerpt.txt'),
  ...corpusLines('cef/azure-sentinel/RadiflowIsid_RawLogs.excerpt.txt'),
  ...corpusLines('cef/elastic-integrations/test-cef.log'),
].filter((line) => line.includes('CEF:'));

const CATEGORIES: Array<[string, string[]]> = [
  ['RFC 5424 (~250 B) → Syslog', rfc5424(4096)],
  ['RFC 3164 (loghub Linux) → Syslog', loghub('loghub_Linux_2k.log')],
  ['CEF (corpus) → CommonSecurityLog', cefLines],
  ['sshd (loghub OpenSSH) → Syslog + ASIM Authentication', loghub('loghub_OpenSSH_2k.log')],
];

const pool = workerPool();

console.log(environment());
console.log(`one worker thread (the pipeline's worker), tasks of ≤ 256 KiB / 4096 frames, median of ${RUNS} runs of ${RUN_MS} ms`);
/** An optional argument keeps only the categories whose name contains it, e.g. `5424`. */
const only = process.argv[2];
for (const [name, lines] of CATEGORIES.filter(([category]) => only === undefined || category.includes(only))) {
  if (lines.length === 0) {
    console.log(`${name}: skipped (../shared/corpus not found)`);
    continue;
  }
  await workerRate(pool, lines, RUN_MS); // warm-up
  const results = [];
  for (let run = 0; run < RUNS; run++) results.push(await workerRate(pool, lines, RUN_MS));
  const sorted = results.map((r) => r.perSecond).sort((a, b) => a - b);
  console.log(
    `${name}: ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0).toLocaleString('en')} messages/s per core (${(results[0]?.rowsPerMessage ?? 0).toFixed(2)} rows per message)`,
  );
}
await pool.destroy();
