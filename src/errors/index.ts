/**
 * Every error asimd raises on purpose lives here, with a stable code. Code that
 * crosses worker threads (structured clone drops the prototype) branches on
 * `err.code`, never on `instanceof`.
 */

export const ERROR_CODES = {
  ASIMD_CONFIG_READ: 'The configuration file could not be read.',
  ASIMD_CONFIG_YAML: 'The configuration file is not valid YAML.',
  ASIMD_CONFIG_INVALID: 'The configuration does not match the schema; each problem names its path.',
  ASIMD_CONFIG_ENV_MISSING: 'A ${env:NAME} reference names an environment variable that is not set.',
  ASIMD_SOURCE_BIND: 'A source could not bind its address and port.',
  ASIMD_SINK_UNAVAILABLE: 'The sink cannot start: its directory is not writable, a target has no endpoint, or a CA file cannot be read.',
  ASIMD_SHUTDOWN_TIMEOUT: 'Draining did not finish within shutdown.timeoutMs.',
  ASIMD_JOURNAL_OPEN: 'The journal directory could not be created, read or written at start.',
  ASIMD_JOURNAL_OPTIONS: 'The journal options are inconsistent (for example maxBytes smaller than one batch record).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AsimdError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AsimdError';
    this.code = code;
  }
}

export class ConfigError extends AsimdError {
  /** One line per problem, each starting with the dotted path of the offending key. */
  readonly problems: readonly string[];
  constructor(code: ErrorCode, problems: readonly string[], options?: { cause?: unknown }) {
    super(code, problems.join('\n'), options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function errorCodeOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
