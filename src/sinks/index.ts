import type { Config } from '../config/schema.ts';
import { FileSink } from './file.ts';
import { StdoutSink } from './stdout.ts';
import type { Sink } from './types.ts';

/** One line per sink type. */
const SINKS: Record<Config['sink']['type'], (config: Config['sink']) => Sink> = {
  file: (config) => new FileSink(config.file),
  stdout: () => new StdoutSink(),
};

export function createSink(config: Config['sink']): Sink {
  return SINKS[config.type](config);
}

export type { Batch, Sink, SinkVerdict } from './types.ts';
