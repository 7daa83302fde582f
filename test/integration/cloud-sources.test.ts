import { gzipSync } from 'node:zlib';
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { startAgent, testConfig, waitFor } from '../helpers/agent-process.ts';

/*
 * The cloud ingestion endpoints on the agent's HTTP server, end to end through
 * the in-process emulator: CloudTrail files, a Firehose delivery, a Pub/Sub push
 * and NDJSON LogEntries each land as the right raw and ASIM rows.
 */

// Two workers, so requests of one turn are split over them (see the concurrent test).
const agent = await startAgent(testConfig({ emulator: { enabled: true, port: 0 }, sink: { type: 'azure-logs-ingestion' }, pipeline: { workers: 2 } }));
t.teardown(() => agent.stop('SIGKILL'));
const base = `http://127.0.0.1:${agent.httpPort}`;
const rows = (stream: string): Array<Record<string, unknown>> => agent.rowsIn('data/emulator', stream);
const now = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');

const identity = { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', userName: 'alice' };
const record = (eventName: string, eventSource: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  eventVersion: '1.08',
  userIdentity: identity,
  eventTime: now,
  eventSource,
  eventName,
  awsRegion: 'eu-west-1',
  sourceIPAddress: '203.0.113.50',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: null,
  responseElements: null,
  eventID: `id-${eventName}`,
  eventType: 'AwsApiCall',
  recipientAccountId: '111122223333',
  ...extra,
});

void t.test('a gzip CloudTrail file: failed ConsoleLogin, RunInstances, denied DeleteBucket', async (t) => {
  const file = {
    Records: [
      record('ConsoleLogin', 'signin.amazonaws.com', {
        eventType: 'AwsConsoleSignIn',
        responseElements: { ConsoleLogin: 'Failure' },
        errorMessage: 'Failed authentication',
        additionalEventData: { MFAUsed: 'No', LoginTo: 'https://console.aws.amazon.com/' },
      }),
      record('RunInstances', 'ec2.amazonaws.com', { requestParameters: { instanceType: 't3.micro' } }),
      record('DeleteBucket', 's3.amazonaws.com', { errorCode: 'AccessDenied', errorMessage: 'Access Denied', requestParameters: { bucketName: 'audit-logs' } }),
    ],
  };
  const response = await fetch(`${base}/v1/aws/cloudtrail`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(file)) });
  t.equal(response.status, 200);
  t.match(await response.json(), { records: 3, accepted: 3 });
  // Each stream is its own batch and request: wait for all three.
  await waitFor(
    () =>
      rows('Custom-AWSCloudTrail').length >= 3 && rows('Custom-ASimAuditEventLogs').length >= 2 && rows('Custom-ASimAuthenticationEventLogs').length >= 1 ? true : undefined,
    5000,
    'the AWSCloudTrail, AuditEvent and Authentication rows',
  );
  t.same(rows('Custom-AWSCloudTrail').map((row) => row['EventName']).sort(), ['ConsoleLogin', 'DeleteBucket', 'RunInstances']);
  const audit = rows('Custom-ASimAuditEventLogs');
  t.match(audit.find((row) => row['Operation'] === 'RunInstances'), { EventSchema: 'AuditEvent', EventVendor: 'AWS', EventProduct: 'CloudTrail', EventResult: 'Success' });
  t.match(audit.find((row) => row['Operation'] === 'DeleteBucket'), { EventType: 'Delete', EventResult: 'Failure' });
  const [login] = rows('Custom-ASimAuthenticationEventLogs');
  t.match(login, { EventSchema: 'Authentication', EventProduct: 'CloudTrail', EventResult: 'Failure', SrcIpAddr: '203.0.113.50' });
});

void t.test('a Firehose delivery carrying an EventBridge CloudTrail event; the response echoes the requestId', async (t) => {
  const event = { version: '0', id: 'eb-1', 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.iam', account: '111122223333', time: now, region: 'us-east-1', detail: record('CreateUser', 'iam.amazonaws.com', { requestParameters: { userName: 'mallory' } }) };
  const requestId = 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f';
  const response = await fetch(`${base}/v1/aws/firehose`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-amz-firehose-request-id': requestId },
    body: JSON.stringify({ requestId, timestamp: Date.now(), records: [{ data: Buffer.from(JSON.stringify(event)).toString('base64') }] }),
  });
  t.equal(response.status, 200);
  const answer = (await response.json()) as { requestId: string; timestamp: number };
  t.equal(answer.requestId, requestId, 'requestId echoed');
  t.type(answer.timestamp, 'number');
  await waitFor(
    () => (rows('Custom-AWSCloudTrail').some((row) => row['EventName'] === 'CreateUser') && rows('Custom-ASimAuditEventLogs').some((row) => row['Operation'] === 'CreateUser') ? true : undefined),
    5000,
    'the CreateUser rows',
  );
  t.ok(rows('Custom-ASimAuditEventLogs').some((row) => row['Operation'] === 'CreateUser'));
});

const logEntry = (methodName: string, insertId: string): Record<string, unknown> => ({
  protoPayload: {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
    status: {},
    authenticationInfo: { principalEmail: 'bob@example.com' },
    requestMetadata: { callerIp: '198.51.100.4', callerSuppliedUserAgent: 'gcloud/460.0.0' },
    serviceName: 'compute.googleapis.com',
    methodName,
    resourceName: 'projects/demo/zones/europe-west1-b/instances/vm-1',
  },
  insertId,
  resource: { type: 'gce_instance', labels: { project_id: 'demo', zone: 'europe-west1-b' } },
  timestamp: now,
  severity: 'NOTICE',
  logName: 'projects/demo/logs/cloudaudit.googleapis.com%2Factivity',
  receiveTimestamp: now,
});

void t.test('a Pub/Sub push and an NDJSON LogEntry from GCP', async (t) => {
  const push = {
    message: { data: Buffer.from(JSON.stringify(logEntry('v1.compute.instances.insert', 'push-1'))).toString('base64'), attributes: {}, messageId: '1001' },
    subscription: 'projects/demo/subscriptions/asimd',
  };
  const pushed = await fetch(`${base}/v1/gcp/pubsub`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(push) });
  t.equal(pushed.status, 200, 'acknowledged');
  const ndjson = `${JSON.stringify(logEntry('v1.compute.instances.delete', 'nd-1'))}\n`;
  const exported = await fetch(`${base}/v1/gcp/logentries`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson });
  t.equal(exported.status, 200);
  await waitFor(
    () => (rows('Custom-GCPAuditLogs').length >= 2 && rows('Custom-ASimAuditEventLogs').filter((row) => row['EventVendor'] === 'GCP').length >= 2 ? true : undefined),
    5000,
    'two GCPAuditLogs and two AuditEvent rows',
  );
  const audit = rows('Custom-ASimAuditEventLogs').filter((row) => row['EventVendor'] === 'GCP');
  t.match(audit.find((row) => row['Operation'] === 'v1.compute.instances.insert'), { EventType: 'Create', EventResult: 'Success', ActorUsername: 'bob@example.com' });
  t.match(audit.find((row) => row['Operation'] === 'v1.compute.instances.delete'), { EventType: 'Delete' });
});

void t.test('concurrent CloudTrail requests, grouped and split over the workers, each get their own totals', async (t) => {
  // Requests that land in one event-loop turn go to the pool together and are split over the idle threads
  // by whole requests: each answer must still count only its own records.
  const requests = Array.from({ length: 12 }, (_, n) => {
    const records: Array<Record<string, unknown>> = Array.from({ length: n + 1 }, (_, i) => record(`Concurrent${n}x${i}`, 'ec2.amazonaws.com'));
    // Every third request also carries a record without an eventTime (rejected, dead-lettered).
    const withBad = n % 3 === 0;
    if (withBad) records.push({ eventName: 'NoTime' });
    return { n, withBad, body: JSON.stringify({ Records: records }) };
  });
  // Every connection opened first, then every request written in one go: their bodies are read in the same
  // event-loop turns, so they are grouped, and with two workers split.
  const sockets = await Promise.all(requests.map(() => new Promise<Socket>((resolve, reject) => {
    const socket = connect(Number(agent.httpPort), '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  })));
  const replies = sockets.map((socket) => new Promise<string>((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
  }));
  requests.forEach(({ body }, n) => {
    sockets[n]?.write(`POST /v1/aws/cloudtrail HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  const answers = (await Promise.all(replies)).map((text) => {
    const [head = '', payload = ''] = text.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), body: JSON.parse(payload) as { records: number; accepted: number; rejected: number } };
  });
  for (const { n, withBad } of requests) {
    const answer = answers[n];
    t.equal(answer?.status, 200, `request ${n}`);
    t.same(answer?.body, { records: n + 1 + (withBad ? 1 : 0), accepted: n + 1, skipped: 0, rejected: withBad ? 1 : 0 }, `request ${n} counts its own records`);
  }
  const expected = requests.reduce((sum, { n }) => sum + n + 1, 0);
  const concurrent = (): number => rows('Custom-AWSCloudTrail').filter((row) => String(row['EventName']).startsWith('Concurrent')).length;
  await waitFor(() => (concurrent() >= expected ? true : undefined), 10_000, 'every concurrent record');
  t.equal(concurrent(), expected, 'no record twice');
});

void t.test('bad bodies: truncated JSON → 400 naming it, a gzip bomb → 413, a bad record is dead-lettered', async (t) => {
  const truncated = await fetch(`${base}/v1/aws/cloudtrail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"Records":[{"eventName":"Run' });
  t.equal(truncated.status, 400);
  t.match(await truncated.text(), /not valid JSON/);
  const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024));
  const bombed = await fetch(`${base}/v1/aws/cloudtrail`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
  t.equal(bombed.status, 413);
  const mixed = await fetch(`${base}/v1/aws/cloudtrail`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Records: [record('GetObject', 's3.amazonaws.com'), { eventName: 'NoTime' }] }),
  });
  t.equal(mixed.status, 200);
  t.match(await mixed.json(), { records: 2, accepted: 1, rejected: 1 });
  t.ok((await agent.metric('asimd_rows_dead_lettered_total', { stream: 'aws_cloudtrail' })) >= 1, 'the bad record is dead-lettered');
  // NDJSON of two CloudTrail files, one of them cut short: the request is acknowledged for the good one, so the bad one is kept.
  const partly = await fetch(`${base}/v1/aws/cloudtrail`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: `${JSON.stringify({ Records: [record('ListBuckets', 's3.amazonaws.com')] })}\n{"Records":[{"eventName":"Cut\n`,
  });
  t.equal(partly.status, 200, 'acknowledged: one document was usable');
  t.match(await partly.json(), { accepted: 1, errors: [/not valid JSON/] });
  const kept = agent.rowsIn('data/deadletter', 'aws_cloudtrail').find((entry) => entry['reason'] === 'invalid_document');
  t.match(kept, { source: 'aws_cloudtrail', reason: 'invalid_document', error: /not valid JSON/, record: '{"Records":[{"eventName":"Cut' }, 'the unusable document is kept raw, with why');
  t.equal(await agent.metric('asimd_rows_dead_lettered_total', { stream: 'aws_cloudtrail', reason: 'invalid_document' }), 1);
  t.equal(await agent.stop(), 0);
});
