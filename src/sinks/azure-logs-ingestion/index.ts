export { AzureLogsIngestionSink, type AzureSinkRuntime } from './sink.ts';
export { AzureSinkSchema, type AzureSinkConfig } from './config.ts';
