import t from 'tap';
import { outcomeOf, retryAfterMs, type Answer } from '../../src/sinks/azure-logs-ingestion/responses.ts';

const answer = (status: number, headers: Record<string, string> = {}): Answer => ({ status, headers, code: undefined, message: '' });
const NOW = Date.parse('2026-11-28T12:00:00Z');

// [headers, expected wait in ms]
const RETRY_AFTER: Array<[Record<string, string>, number | undefined]> = [
  [{ 'retry-after': '7' }, 7000],
  [{ 'retry-after': '0' }, 0],
  [{ 'retry-after': 'Sat, 28 Nov 2026 12:00:30 GMT' }, 30_000],
  [{ 'retry-after': 'Sat, 28 Nov 2026 11:59:00 GMT' }, 0],
  [{ 'retry-after-ms': '250' }, 250],
  [{ 'x-ms-retry-after-ms': '1500', 'retry-after': '9' }, 1500],
  [{ 'retry-after': 'soon' }, undefined],
  [{ 'retry-after': '' }, undefined],
  [{}, undefined],
];

for (const [headers, expected] of RETRY_AFTER) {
  void t.test(`Retry-After ${JSON.stringify(headers)} → ${String(expected)}`, async (t) => {
    t.equal(retryAfterMs(answer(429, headers), NOW), expected);
  });
}

// [status, headers, outcome kind]
const OUTCOMES: Array<[number, Record<string, string>, string]> = [
  [204, {}, 'ok'],
  [400, {}, 'split'],
  [401, {}, 'unauthorized'],
  [403, {}, 'configuration'],
  [404, {}, 'configuration'],
  [408, {}, 'retry'],
  [413, {}, 'split'],
  [429, { 'retry-after': '3' }, 'retry'],
  [429, {}, 'retry'],
  [500, {}, 'retry'],
  [502, {}, 'retry'],
  [503, { 'retry-after': '1' }, 'retry'],
  [415, {}, 'reject'],
  [422, {}, 'reject'],
];

for (const [status, headers, kind] of OUTCOMES) {
  void t.test(`status ${status} ${JSON.stringify(headers)} → ${kind}`, async (t) => {
    t.equal(outcomeOf(answer(status, headers)).kind, kind);
  });
}

void t.test('429 and 503 carry the wait; 403 says which role is missing', async (t) => {
  t.same(outcomeOf(answer(429, { 'retry-after': '3' })), { kind: 'retry', afterMs: 3000 });
  t.same(outcomeOf(answer(429)), { kind: 'retry' }, 'no header: backoff decides');
  t.match(outcomeOf(answer(403)), { kind: 'configuration', hint: /Monitoring Metrics Publisher/ });
});
