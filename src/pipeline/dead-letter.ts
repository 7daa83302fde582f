import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { rowJson } from '../sinks/batch.ts';
import type { Batch } from '../sinks/types.ts';

/**
 * Rows a destination refused for good, one NDJSON line each with the reason
 * and the service's error, in <directory>/<stream>.ndjson. The row is copied
 * in as the bytes that were sent, so it can be fixed and replayed.
 */
export class DeadLetterStore {
  private readonly directory: string;
  private readonly handles = new Map<string, Promise<FileHandle>>();

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  private handleFor(stream: string): Promise<FileHandle> {
    let handle = this.handles.get(stream);
    if (!handle) {
      const safeName = stream.replace(/[^A-Za-z0-9_.-]/g, '_');
      handle = mkdir(this.directory, { recursive: true }).then(() => open(join(this.directory, `${safeName}.ndjson`), 'a'));
      handle.catch(() => this.handles.delete(stream));
      this.handles.set(stream, handle);
    }
    return handle;
  }

  /** Writes every row of the batch; resolves once they are on disk. */
  async write(batch: Batch, reason: string, error: string): Promise<void> {
    const head = `{"time":${JSON.stringify(new Date().toISOString())},"stream":${JSON.stringify(batch.stream)},"reason":${JSON.stringify(reason)},"error":${JSON.stringify(error)},"row":`;
    const parts: Buffer[] = [];
    for (let row = 0; row < batch.rows; row++) parts.push(Buffer.from(head), rowJson(batch, row), Buffer.from('}\n'));
    const handle = await this.handleFor(batch.stream);
    await handle.write(Buffer.concat(parts));
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.allSettled(handles.map(async (handle) => (await handle).close()));
  }
}
