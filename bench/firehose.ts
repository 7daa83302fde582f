/**
 * The Firehose endpoint end to end: deliveries of EventBridge CloudTrail events
 * POSTed to a running agent (compiled, real process, file sink) with undici,
 * several in flight; prints requests/s and records/s. A script, not a test.
 *
 *   npm run build && node --import ./scripts/ts-loader.mjs bench/firehose.ts [seconds] [recordsPerDelivery] [inFlight]
 */
import { Pool } from 'undici';
import { startAgentProcess } from './agent.ts';
import { environment } from './harness.ts';
import { cloudTrailRecord, cloudTrailTime, postFor } from './http-load.ts';

const SECONDS = Number(process.argv[2] ?? 5);
const RECORDS = Number(process.argv[3] ?? 100);
const IN_FLIGHT = Number(process.argv[4] ?? 8);

function delivery(n: number): string {
  const time = cloudTrailTime(Date.now());
  const records = Array.from({ length: RECORDS }, (_, i) => {
    const event = {
      version: '0',
      id: `e-${n}-${i}`,
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.ec2',
      account: '111122223333',
      time,
      region: 'eu-west-1',
      detail: cloudTrailRecord(n, i, time),
    };
    return { data: Buffer.from(JSON.stringify(event)).toString('base64') };
  });
  return JSON.stringify({ requestId: `req-${n}`, timestamp: Date.now(), records });
}

const agent = await startAgentProcess({
  sources: { syslog: { udp: { enabled: false }, tcp: { enabled: false } } },
  server: { port: 0 },
  log: { level: 'info' },
});
const port = agent.httpPort;

const bodies = Array.from({ length: 16 }, (_, n) => delivery(n));
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: IN_FLIGHT });
const { ok: requests, failures, seconds } = await postFor(
  pool,
  { path: '/v1/aws/firehose', headers: { 'content-type': 'application/json' }, okStatus: 200 },
  bodies,
  IN_FLIGHT,
  SECONDS,
);
await pool.close();
await agent.stop();

console.log(environment());
console.log(`Firehose deliveries of ${RECORDS} EventBridge CloudTrail events, ${IN_FLIGHT} in flight, ${SECONDS} s, file sink`);
console.log(`${Math.round(requests / seconds).toLocaleString('en')} requests/s, ${Math.round((requests * RECORDS) / seconds).toLocaleString('en')} records/s (${failures} non-200 answers)`);
