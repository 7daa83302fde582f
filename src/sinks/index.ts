import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { Metrics } from '../metrics/index.ts';
import { AzureLogsIngestionSink, type AzureSinkRuntime } from './azure-logs-ingestion/index.ts';
import { FileSink } from './file.ts';
import { StdoutSink } from './stdout.ts';
import type { Sink } from './types.ts';

export interface SinkContext {
  metrics: Metrics;
  logger: Logger;
  /** Set when the emulator runs in-process: its URL and certificate. */
  azure?: AzureSinkRuntime;
}

/** One line per sink type. */
const SINKS: Record<Config['sink']['type'], (config: Config, context: SinkContext) => Sink> = {
  'azure-logs-ingestion': (c, x) => new AzureLogsIngestionSink(c.sink.azure, c.streams, x.metrics, x.logger.child({ component: 'sink-azure' }), x.azure),
  file: (c) => new FileSink(c.sink.file),
  stdout: () => new StdoutSink(),
};

export function createSink(config: Config, context: SinkContext): Sink {
  return SINKS[config.sink.type](config, context);
}

export type { Batch, Sink, SinkVerdict } from './types.ts';
