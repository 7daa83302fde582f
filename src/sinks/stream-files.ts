import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** <directory>/<stream>.ndjson; stream names are config, but never let one escape the directory. */
export function streamFile(directory: string, stream: string): string {
  return join(directory, `${stream.replace(/[^A-Za-z0-9_.-]/g, '_')}.ndjson`);
}

/** One append-mode file per stream, <directory>/<stream>.ndjson, opened on first use. */
export class StreamFiles {
  readonly directory: string;
  private readonly handles = new Map<string, Promise<FileHandle>>();

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  handleFor(stream: string): Promise<FileHandle> {
    let handle = this.handles.get(stream);
    if (!handle) {
      handle = mkdir(this.directory, { recursive: true }).then(() => open(streamFile(this.directory, stream), 'a'));
      // A failed open is retried by the next write rather than cached.
      handle.catch(() => this.handles.delete(stream));
      this.handles.set(stream, handle);
    }
    return handle;
  }

  /** Appends all of `data`, however many writes that takes. */
  async append(stream: string, data: Buffer): Promise<void> {
    const handle = await this.handleFor(stream);
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await handle.write(data, written, data.length - written);
      written += bytesWritten;
    }
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.allSettled(handles.map(async (handle) => (await handle).close()));
  }
}
