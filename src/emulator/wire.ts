import type { FastifyReply } from 'fastify';
import { MAX_BODY_BYTES } from './config.ts';

/*
 * The error codes the emulator answers with, in one table. Where Azure documents
 * a code (ContentLengthLimitExceeded, OperationFailed,
 * RecordsTimeRangeIsMoreThan30Minutes) it is Azure's; the others are our choice
 * (reference/logs-ingestion-api.md §4) and say so.
 */
export const WIRE_ERRORS = {
  MissingApiVersionParameter: { status: 400, documented: false, when: 'No api-version query parameter.' },
  UnsupportedApiVersion: { status: 400, documented: false, when: 'api-version is not 2023-01-01, 2021-11-01-preview or 2023-04-01-preview.' },
  InvalidToken: { status: 401, documented: false, when: 'No bearer token, or an unknown, expired or wrong-audience one.' },
  OperationFailed: { status: 403, documented: true, when: 'The token\'s client may not write this DCR.' },
  NotFound: { status: 404, documented: false, when: 'Unknown DCR immutable id, or no such route.' },
  InvalidStream: { status: 404, documented: false, when: 'The DCR declares no such stream.' },
  UnsupportedMediaType: { status: 415, documented: false, when: 'Content-Type is not application/json, or Content-Encoding is neither absent, identity nor gzip.' },
  ContentLengthLimitExceeded: { status: 413, documented: true, when: 'Body over 1,048,576 bytes, as received or decompressed.' },
  InvalidPayload: { status: 400, documented: false, when: 'Not gzip when it says so, not JSON, not an array of objects, or a record that does not match the stream declaration.' },
  RecordsTimeRangeIsMoreThan30Minutes: { status: 400, documented: true, when: 'TimeGenerated values of one call span more than 30 minutes.' },
  TooManyRequests: { status: 429, documented: false, when: 'The DCR\'s requests or bytes per minute are used up; Retry-After says when to come back.' },
  InternalServerError: { status: 500, documented: false, when: 'An injected 5xx fault, or an emulator bug.' },
  ServiceUnavailable: { status: 503, documented: false, when: 'An injected 503 fault.' },
} as const;

export type WireErrorCode = keyof typeof WIRE_ERRORS;

/** The code a status-only fault answers with. */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'InvalidPayload';
    case 401:
      return 'InvalidToken';
    case 403:
      return 'OperationFailed';
    case 404:
      return 'NotFound';
    case 413:
      return 'ContentLengthLimitExceeded';
    case 429:
      return 'TooManyRequests';
    case 503:
      return 'ServiceUnavailable';
    default:
      return status >= 500 ? 'InternalServerError' : 'BadRequest';
  }
}

export interface ErrorBody {
  error: { code: string; message: string; target?: string };
}

export function tooLargeMessage(length: number): string {
  return `Maximum allowed content length: ${MAX_BODY_BYTES} bytes (1 MB). Provided content length: ${length} bytes.`;
}

export function forbiddenMessage(dcrId: string): string {
  return (
    `The authentication token provided does not have access to ingest data for the data collection rule with immutable Id '${dcrId}' ` +
    'PipelineAccessResult: AccessGranted: False, IsRbacPresent: False, IsDcrDceBindingValid: True, DcrArmId: (emulator).'
  );
}

/** The Azure Core ErrorResponse, with x-ms-error-code set to the same code. */
export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  extra: { target?: string; retryAfterSeconds?: number } = {},
): FastifyReply {
  const body: ErrorBody = { error: { code, message } };
  if (extra.target !== undefined) body.error.target = extra.target;
  if (extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(extra.retryAfterSeconds));
  return reply.code(status).header('x-ms-error-code', code).type('application/json; charset=utf-8').send(JSON.stringify(body));
}
