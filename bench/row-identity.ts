/**
 * The row identity's cost per ~250-byte syslog line (src/pipeline/row-identity.ts,
 * XXH64 from xxhash-wasm) against Node's native hashes and a 64-bit hash in
 * JavaScript, with JSON.stringify of a Syslog-sized row for scale. A script, not a test.
 *
 *   node --import ./scripts/ts-loader.mjs bench/row-identity.ts
 */
import { createHash, hash } from 'node:crypto';
import { rowIdentity } from '../src/pipeline/row-identity.ts';
import { environment, fmt, median, rate } from './harness.ts';

const lines = Array.from({ length: 1000 }, (_, i) =>
  Buffer.from(
    `<134>1 2026-11-28T12:00:00.${String(i % 1000).padStart(3, '0')}Z fw-${i % 16}.example.net firewall 1000 TRAFFIC [meta sequenceId="${i}"] src=10.0.${i % 256}.1 dst=192.168.1.${i % 200} action=allow user=user${i % 1000}`.padEnd(249, ' '),
  ),
);
const texts = new Map(lines.map((line) => [line, line.toString('utf8')]));
const whole = Buffer.concat(lines);
const offsets = new Map<Buffer<ArrayBuffer>, number>();
lines.reduce((at, line) => (offsets.set(line, at), at + line.length), 0);
const candidates: Array<[string, (line: Buffer<ArrayBuffer>) => string]> = [
  ['asimd rowIdentity (XXH64 of peer + text, xxhash-wasm)', (line) => rowIdentity(`10.1.2.3 ${texts.get(line) ?? ''}`)],
  ['crypto.hash sha1 of peer + text, 16 hex', (line) => hash('sha1', `10.1.2.3 ${texts.get(line) ?? ''}`).slice(0, 16)],
  ['two 32-bit murmur3 lanes in JavaScript', (line) => murmurPair(line)],
  ['crypto.hash sha1, 16 hex', (line) => hash('sha1', line).slice(0, 16)],
  ['crypto.hash sha1 of a frame view, 16 hex', (line) => hash('sha1', whole.subarray(offsets.get(line) ?? 0, (offsets.get(line) ?? 0) + line.length)).slice(0, 16)],
  ['createHash md5, 16 hex', (line) => createHash('md5').update('10.1.2.3').update(line).digest('hex').slice(0, 16)],
  [
    'JSON.stringify of a Syslog row (scale)',
    (line) => JSON.stringify({ TimeGenerated: '2026-11-28T12:00:00.000Z', SyslogMessage: line.toString('latin1'), Computer: 'fw-1.example.net', HostIP: '10.1.2.3', Facility: 'local0', SeverityLevel: 'info', ProcessName: 'firewall', ProcessID: 1000 }),
  ],
];

/** The candidate written in JavaScript: two murmur3-mixed 32-bit lanes over the bytes. */
function murmurPair(bytes: Uint8Array): string {
  let a = 0x9747b28c;
  let b = 0x5bd1e995;
  const mix = (h: number, k: number): number => {
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    return (Math.imul(h, 5) + 0xe6546b64) | 0;
  };
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) {
    const k = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    a = mix(a, k);
    b = mix(b, k ^ 0x7f4a7c15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

console.log(environment());
console.log('| candidate | ns per line (median of 3) |\n|---|---|');
for (const [name, identity] of candidates) {
  const runs = [0, 1, 2].map(() => rate(lines.length, (i) => identity(lines[i] as Buffer<ArrayBuffer>).length, 700));
  console.log(`| ${name} | ${fmt(1e9 / median(runs))} |`);
}
