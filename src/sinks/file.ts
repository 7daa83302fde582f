import { constants } from 'node:fs';
import { access, mkdir, open, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { AsimdError, errorCodeOf } from '../errors/index.ts';
import type { Batch, Sink, SinkVerdict } from './types.ts';

export interface FileSinkOptions {
  directory: string;
}

/** Appends each stream's rows to <directory>/<stream>.ndjson. */
export class FileSink implements Sink {
  readonly name = 'file';
  readonly framing = 'ndjson' as const;
  private readonly directory: string;
  private readonly handles = new Map<string, Promise<FileHandle>>();
  private healthy = false;

  constructor(options: FileSinkOptions) {
    this.directory = resolve(options.directory);
  }

  async start(): Promise<void> {
    try {
      await mkdir(this.directory, { recursive: true });
      await access(this.directory, constants.W_OK);
    } catch (err) {
      throw new AsimdError('ASIMD_SINK_UNAVAILABLE', `file sink: directory ${this.directory} is not writable: ${String(err)}`, { cause: err });
    }
    this.healthy = true;
  }

  ready(): boolean {
    return this.healthy;
  }

  private handleFor(stream: string): Promise<FileHandle> {
    let handle = this.handles.get(stream);
    if (!handle) {
      // Stream names are config, but never let one escape the directory.
      const safeName = stream.replace(/[^A-Za-z0-9_.-]/g, '_');
      handle = open(join(this.directory, `${safeName}.ndjson`), 'a');
      handle.catch(() => this.handles.delete(stream));
      this.handles.set(stream, handle);
    }
    return handle;
  }

  async send(batch: Batch): Promise<SinkVerdict> {
    try {
      const handle = await this.handleFor(batch.stream);
      let written = 0;
      while (written < batch.body.length) {
        const { bytesWritten } = await handle.write(batch.body, written, batch.body.length - written);
        written += bytesWritten;
      }
      this.healthy = true;
      return { kind: 'ok' };
    } catch (err) {
      this.healthy = false;
      return { kind: 'retry', reason: errorCodeOf(err)?.toLowerCase() ?? 'write_error' };
    }
  }

  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    for (const handle of handles) {
      try {
        await (await handle).close();
      } catch {
        // Already reported by the write that failed.
      }
    }
  }
}
