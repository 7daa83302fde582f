/**
 * The Firehose endpoint end to end: deliveries of EventBridge CloudTrail events
 * POSTed to a running agent (compiled, real process, file sink) with undici,
 * several in flight; prints requests/s and records/s. A script, not a test.
 *
 *   npm run build && node --import ./scripts/ts-loader.mjs bench/firehose.ts [seconds] [recordsPerDelivery] [inFlight]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { environment } from './harness.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const SECONDS = Number(process.argv[2] ?? 5);
const RECORDS = Number(process.argv[3] ?? 100);
const IN_FLIGHT = Number(process.argv[4] ?? 8);

function delivery(n: number): string {
  const time = new Date().toISOString();
  const records = Array.from({ length: RECORDS }, (_, i) => {
    const event = {
      version: '0',
      id: `e-${n}-${i}`,
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.ec2',
      account: '111122223333',
      time,
      region: 'eu-west-1',
      detail: {
        eventVersion: '1.08',
        userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', userName: 'alice' },
        eventTime: time,
        eventSource: 'ec2.amazonaws.com',
        eventName: i % 3 === 0 ? 'RunInstances' : i % 3 === 1 ? 'DescribeInstances' : 'TerminateInstances',
        awsRegion: 'eu-west-1',
        sourceIPAddress: `203.0.113.${i % 250}`,
        userAgent: 'aws-cli/2.15.0',
        requestParameters: { instancesSet: { items: [{ instanceId: `i-${n}${i}` }] } },
        responseElements: null,
        eventID: `id-${n}-${i}`,
        eventType: 'AwsApiCall',
        recipientAccountId: '111122223333',
      },
    };
    return { data: Buffer.from(JSON.stringify(event)).toString('base64') };
  });
  return JSON.stringify({ requestId: `req-${n}`, timestamp: Date.now(), records });
}

const dir = mkdtempSync(join(tmpdir(), 'asimd-bench-firehose-'));
writeFileSync(join(dir, 'asimd.yaml'), 'sources:\n  syslog:\n    udp:\n      enabled: false\n    tcp:\n      enabled: false\nserver:\n  port: 0\nlog:\n  level: info\n');
const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'run', '--config', join(dir, 'asimd.yaml')], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
let log = '';
child.stderr.setEncoding('utf8');
child.stderr.on('data', (text: string) => (log += text));
let port = 0;
for (let i = 0; i < 200 && port === 0; i++) {
  await sleep(50);
  port = Number(/"server":\{"address":"[^"]+","port":(\d+)\}/.exec(log)?.[1] ?? 0);
}
if (port === 0) throw new Error(`agent did not start: ${log}`);

const bodies = Array.from({ length: 16 }, (_, n) => delivery(n));
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: IN_FLIGHT });
let requests = 0;
let failures = 0;
const deadline = Date.now() + SECONDS * 1000;
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (Date.now() < deadline) {
      const response = await pool.request({ method: 'POST', path: '/v1/aws/firehose', headers: { 'content-type': 'application/json' }, body: bodies[requests % bodies.length] });
      await response.body.text();
      if (response.statusCode === 200) requests++;
      else failures++;
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await pool.close();
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));
rmSync(dir, { recursive: true, force: true });

console.log(environment());
console.log(`Firehose deliveries of ${RECORDS} EventBridge CloudTrail events, ${IN_FLIGHT} in flight, ${SECONDS} s, file sink`);
console.log(`${Math.round(requests / seconds).toLocaleString('en')} requests/s, ${Math.round((requests * RECORDS) / seconds).toLocaleString('en')} records/s (${failures} non-200 answers)`);
