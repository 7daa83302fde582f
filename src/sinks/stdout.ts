import type { Batch, Sink, SinkVerdict } from './types.ts';

/**
 * NDJSON on standard output. Logs go to stderr, so stdout carries rows only.
 * Waiting for each write's callback is what carries a slow reader's
 * backpressure back into the pipeline.
 */
export class StdoutSink implements Sink {
  readonly name = 'stdout';
  readonly framing = 'ndjson' as const;
  private broken = false;

  constructor(private readonly output: NodeJS.WritableStream = process.stdout) {
    output.on('error', () => {
      this.broken = true;
    });
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  ready(): boolean {
    return !this.broken;
  }

  send(batch: Batch): Promise<SinkVerdict> {
    if (this.broken) return Promise.resolve({ kind: 'retry', reason: 'stdout_closed' });
    return new Promise((resolve) => {
      this.output.write(batch.body, (err) => {
        resolve(err ? { kind: 'retry', reason: 'stdout_error' } : { kind: 'ok' });
      });
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
