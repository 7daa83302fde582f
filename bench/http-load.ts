/**
 * HTTP load for the cloud endpoints: CloudTrail records like the ones the AWS API writes, and a loop
 * that keeps N requests in flight for a while. Used by bench/firehose.ts and `npm run bench`.
 */
import type { Pool } from 'undici';

/** An eventTime as CloudTrail writes it: whole seconds, `2024-03-05T07:08:09Z`. */
export function cloudTrailTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** One CloudTrail record (what a log file's Records[] holds, and an EventBridge event's detail). */
export function cloudTrailRecord(n: number, i: number, time: string): Record<string, unknown> {
  return {
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
  };
}

export interface LoadResult {
  /** Requests answered with `okStatus`, and the others. */
  ok: number;
  failures: number;
  seconds: number;
}

/** POSTs `bodies` (cycling) to `path`, `inFlight` at a time, for `seconds`. */
export async function postFor(
  pool: Pool,
  request: { path: string; headers: Record<string, string>; okStatus: number },
  bodies: readonly string[],
  inFlight: number,
  seconds: number,
): Promise<LoadResult> {
  let ok = 0;
  let failures = 0;
  let sent = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < deadline) {
        const response = await pool.request({ method: 'POST', path: request.path, headers: request.headers, body: bodies[sent++ % bodies.length] });
        await response.body.text();
        if (response.statusCode === request.okStatus) ok++;
        else failures++;
      }
    }),
  );
  return { ok, failures, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
