import type { SinkVerdict } from '../types.ts';

/** What the sink learned from one HTTP answer. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The `error.code` of an ErrorResponse body, if any. */
  code: string | undefined;
  message: string;
}

export type AnswerOutcome =
  | { kind: 'ok' }
  | { kind: 'retry'; afterMs?: number }
  | { kind: 'unauthorized' }
  | { kind: 'configuration'; hint: string }
  | { kind: 'split' }
  | { kind: 'reject' };

function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** retry-after-ms and x-ms-retry-after-ms (milliseconds), then Retry-After (seconds or an HTTP date). */
export function retryAfterMs(answer: Answer, now = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = Number(header(answer, name));
    if (header(answer, name) !== undefined && Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = header(answer, 'retry-after');
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (retryAfter.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const throttled = (answer: Answer): AnswerOutcome => {
  const afterMs = retryAfterMs(answer);
  return afterMs === undefined ? { kind: 'retry' } : { kind: 'retry', afterMs };
};

/** The contract of reference/logs-ingestion-api.md §4, as a table: status → outcome. */
const BY_STATUS: Record<number, (answer: Answer) => AnswerOutcome> = {
  200: () => ({ kind: 'ok' }),
  204: () => ({ kind: 'ok' }),
  400: () => ({ kind: 'split' }),
  401: () => ({ kind: 'unauthorized' }),
  403: () => ({
    kind: 'configuration',
    hint: 'the identity lacks the "Monitoring Metrics Publisher" role on the data collection rule (assignments take up to 30 minutes to apply)',
  }),
  404: () => ({ kind: 'configuration', hint: 'check sink.azure.targets[].endpoint and dcrImmutableId, and the stream names in `streams`' }),
  408: () => ({ kind: 'retry' }),
  413: () => ({ kind: 'split' }),
  429: throttled,
  503: throttled,
};

export function outcomeOf(answer: Answer): AnswerOutcome {
  const known = BY_STATUS[answer.status];
  if (known) return known(answer);
  if (answer.status >= 500) return { kind: 'retry' };
  // Any other 4xx will not get better by sending the same rows again.
  return { kind: 'reject' };
}

export function describe(answer: Answer): string {
  return `${answer.status}${answer.code ? ` ${answer.code}` : ''}: ${answer.message}`.slice(0, 2000);
}

export type { SinkVerdict };
