import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { AsimdError, errorCodeOf } from '../errors/index.ts';
import { StreamFiles } from './stream-files.ts';
import type { Batch, Sink, SinkVerdict } from './types.ts';

export interface FileSinkOptions {
  directory: string;
}

/** Appends each stream's rows to <directory>/<stream>.ndjson. */
export class FileSink implements Sink {
  readonly name = 'file';
  readonly framing = 'ndjson' as const;
  private readonly files: StreamFiles;
  private healthy = false;

  constructor(options: FileSinkOptions) {
    this.files = new StreamFiles(options.directory);
  }

  async start(): Promise<void> {
    const { directory } = this.files;
    try {
      await mkdir(directory, { recursive: true });
      await access(directory, constants.W_OK);
    } catch (err) {
      throw new AsimdError('ASIMD_SINK_UNAVAILABLE', `file sink: directory ${directory} is not writable: ${String(err)}`, { cause: err });
    }
    this.healthy = true;
  }

  ready(): boolean {
    return this.healthy;
  }

  async send(batch: Batch): Promise<SinkVerdict> {
    try {
      await this.files.append(batch.stream, batch.body);
      this.healthy = true;
      return { kind: 'ok' };
    } catch (err) {
      this.healthy = false;
      return { kind: 'retry', reason: errorCodeOf(err)?.toLowerCase() ?? 'write_error' };
    }
  }

  close(): Promise<void> {
    return this.files.close();
  }
}
