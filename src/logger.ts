import { pino, type Logger } from 'pino';

/**
 * The root logger; every line comes from a child carrying `component`.
 * JSON lines on stderr: stdout belongs to the stdout sink. Writes are
 * synchronous because asimd logs at boundaries, never per record, and a line
 * written just before exit must not be lost.
 */
export function createLogger(level: string): Logger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd: 2, sync: true }),
  );
}
