import { appendFile, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { rowJson } from '../sinks/batch.ts';
import { streamFile } from '../sinks/stream-files.ts';
import { withDeadLetterLock } from './dead-letter-lock.ts';
import type { Batch } from '../sinks/types.ts';

/** Unusable documents are kept whole up to this size, so one bad upload cannot fill the disk. */
export const MAX_DEAD_LETTER_DOCUMENT = 64 * 1024;

/**
 * Rows a destination refused for good, one NDJSON line each with the reason
 * and the service's error, in <directory>/<stream>.ndjson. The row is copied
 * in as the bytes that were sent, so it can be fixed and replayed.
 */
export class DeadLetterStore {
  private readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  /**
   * Writes are rare, so each opens and closes its file under the lock that
   * `asimd dlq replay` takes while it rewrites these files by rename.
   */
  private async append(stream: string, data: Buffer): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await withDeadLetterLock(this.directory, () => appendFile(streamFile(this.directory, stream), data));
  }

  /** Writes every row of the batch; resolves once they are written. */
  async write(batch: Batch, reason: string, error: string): Promise<void> {
    const head = Buffer.from(
      `{"time":${JSON.stringify(new Date().toISOString())},"stream":${JSON.stringify(batch.stream)},"reason":${JSON.stringify(reason)},"error":${JSON.stringify(error)},"row":`,
    );
    const tail = Buffer.from('}\n');
    const parts: Buffer[] = [];
    for (let row = 0; row < batch.rows; row++) parts.push(head, rowJson(batch, row), tail);
    await this.append(batch.stream, Buffer.concat(parts));
  }

  /** Records refused before they became rows (an HTTP source's bad record), each with its reason. */
  async writeRecords(source: string, records: ReadonlyArray<{ reason: string; error?: string; record: string }>): Promise<void> {
    const time = JSON.stringify(new Date().toISOString());
    const lines = records.map(
      ({ reason, error, record }) =>
        `{"time":${time},"source":${JSON.stringify(source)},"reason":${JSON.stringify(reason)},${error === undefined ? '' : `"error":${JSON.stringify(error)},`}"record":${JSON.stringify(record)}}\n`,
    );
    await this.append(source, Buffer.from(lines.join('')));
  }

  /** Nothing is held open; kept so owners close it like the other stores. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
