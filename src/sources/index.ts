import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { Metrics } from '../metrics/index.ts';
import { SyslogTcpSource } from './syslog-tcp.ts';
import { SyslogTlsSource } from './syslog-tls.ts';
import { SyslogUdpSource } from './syslog-udp.ts';
import type { Source } from './types.ts';

interface SourceEntry {
  enabled: (config: Config) => boolean;
  create: (config: Config, metrics: Metrics, logger: Logger) => Source;
}

/** One line per source. */
const SOURCES: SourceEntry[] = [
  { enabled: (c) => c.sources.syslog.udp.enabled, create: (c, m, l) => new SyslogUdpSource(c.sources.syslog, m, l.child({ component: 'syslog-udp' })) },
  { enabled: (c) => c.sources.syslog.tcp.enabled, create: (c, m, l) => new SyslogTcpSource(c.sources.syslog, m, l.child({ component: 'syslog-tcp' })) },
  { enabled: (c) => c.sources.syslog.tls.enabled, create: (c, m, l) => new SyslogTlsSource(c.sources.syslog, m, l.child({ component: 'syslog-tls' })) },
];

export function createSources(config: Config, metrics: Metrics, logger: Logger): Source[] {
  return SOURCES.filter((entry) => entry.enabled(config)).map((entry) => entry.create(config, metrics, logger));
}

export type { Source } from './types.ts';
