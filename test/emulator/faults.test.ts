import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { request } from 'undici';
import { DCR_ID, INGEST_PATH, STREAM, errorOf, startHarness, syslogRow } from '../fixtures/emulator/harness.ts';

void t.test('503 with Retry-After twice, then success', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  h.emulator.injectFault({ action: 'status', status: 503, retryAfterSeconds: 2, count: 2 });
  for (const attempt of [1, 2]) {
    const response = await h.ingest(token, [syslogRow({ SyslogMessage: `attempt ${attempt}` })]);
    t.equal(response.status, 503, `attempt ${attempt}`);
    t.equal(response.headers['retry-after'], '2');
    t.equal(response.headers['x-ms-error-code'], 'ServiceUnavailable');
    t.equal(errorOf(response).code, 'ServiceUnavailable');
  }
  t.equal((await h.ingest(token, [syslogRow({ SyslogMessage: 'attempt 3' })])).status, 204);
  t.same(h.emulator.rows(STREAM).map((row) => row['SyslogMessage']), ['attempt 3'], 'faulted calls store nothing');
  t.same(
    h.emulator.requests().filter((entry) => entry.kind === 'ingestion').map((entry) => entry.fault ?? null),
    ['status 503', 'status 503', null],
  );
});

void t.test('a 429 fault without retryAfterSeconds sends no Retry-After', async (t) => {
  const h = await startHarness(t, { faults: [{ action: 'status', status: 429, count: 1 }] });
  const response = await h.ingest(await h.token(), [syslogRow()]);
  t.equal(response.status, 429);
  t.equal(response.headers['x-ms-error-code'], 'TooManyRequests');
  t.notOk('retry-after' in response.headers);
});

void t.test('a reset fault destroys the connection without an answer', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  h.emulator.injectFault({ action: 'reset', count: 1 });
  const error = await request(`${h.emulator.url}${INGEST_PATH}?api-version=2023-01-01`, {
    method: 'POST',
    dispatcher: h.dispatcher,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify([syslogRow()]),
  }).then(
    () => undefined,
    (err: unknown) => err,
  );
  t.ok(error instanceof Error, 'the request failed at the transport level');
  t.match((error as { code?: string }).code, /^(UND_ERR_SOCKET|ECONNRESET)$/);
  t.equal((await h.ingest(token, [syslogRow()])).status, 204, 'the next request is answered');
  const reset = h.emulator.requests().find((entry) => entry.fault === 'reset');
  t.equal(reset?.status, 0);
  t.equal(h.emulator.stats().byStatus['0'], 1);
});

void t.test('a 401 fault expires the token: it stays refused until the client gets a new one', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  t.equal((await h.ingest(token, [syslogRow()])).status, 204);
  h.emulator.injectFault({ action: 'status', status: 401, count: 1 });
  const faulted = await h.ingest(token, [syslogRow()]);
  t.equal(faulted.status, 401);
  t.equal(faulted.headers['x-ms-error-code'], 'InvalidToken');
  const again = await h.ingest(token, [syslogRow()]);
  t.equal(again.status, 401, 'the fault is spent, the token is still expired');
  t.match(errorOf(again).message, /expired/);
  t.equal((await h.ingest(await h.token(), [syslogRow()])).status, 204, 'a fresh token works');
});

void t.test('a token past tokenLifetimeSeconds is refused with 401', async (t) => {
  const h = await startHarness(t, { tokenLifetimeSeconds: 1 });
  const token = await h.token();
  t.equal((await h.ingest(token, [syslogRow()])).status, 204);
  await sleep(1100);
  const expired = await h.ingest(token, [syslogRow()]);
  t.equal(expired.status, 401);
  t.equal(errorOf(expired).code, 'InvalidToken');
  t.match(errorOf(expired).message, /expired at/);
});

void t.test('match, afterRequests, count and probability decide which requests a rule hits', async (t) => {
  const h = await startHarness(t, {
    staticTokens: ['static'],
    faults: [
      { match: { dcr: 'dcr-11111111111111111111111111111111' }, action: 'status', status: 400 },
      { match: { dcr: DCR_ID, stream: STREAM }, action: 'status', status: 500, afterRequests: 1, count: 1 },
      { action: 'status', status: 502, probability: 0 },
    ],
  });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await h.ingest('static', [syslogRow()])).status);
  t.same(statuses, [204, 500, 204, 204], 'one 500 after the first request; the other rules never fire');
  t.equal(h.emulator.requests()[1]?.errorCode, 'InternalServerError');

  h.emulator.clearFaults();
  h.emulator.injectFault({ action: 'status', status: 502, probability: 1, count: 1 });
  t.equal((await h.ingest('static', [syslogRow()])).status, 502, 'probability 1 fires');

  await h.emulator.reset();
  t.same(h.emulator.rows(STREAM), [], 'reset() deletes stored rows');
  t.equal(h.emulator.requests().length, 0, 'and the request log');
  statuses.length = 0;
  for (let i = 0; i < 3; i++) statuses.push((await h.ingest('static', [syslogRow()])).status);
  t.same(statuses, [204, 500, 204], 'and re-arms the configured faults');
});

void t.test('a delay fault slows the answer, then the request is handled normally', async (t) => {
  const h = await startHarness(t, { faults: [{ action: 'delay', delayMs: 150, count: 1 }] });
  t.equal((await h.ingest(await h.token(), [syslogRow()])).status, 204);
  t.equal(h.emulator.requests().find((entry) => entry.kind === 'ingestion')?.fault, 'delay 150 ms');
  t.equal(h.emulator.rows(STREAM).length, 1);
});

void t.test('a malformed runtime fault rule is refused', async (t) => {
  const h = await startHarness(t);
  t.throws(() => h.emulator.injectFault({ action: 'status' }), { code: 'ASIMD_CONFIG_INVALID' });
  t.throws(() => h.emulator.injectFault({ action: 'status', status: 200 }), { code: 'ASIMD_CONFIG_INVALID' });
  t.equal((await h.ingest(await h.token(), [syslogRow()])).status, 204, 'nothing was added');
});
