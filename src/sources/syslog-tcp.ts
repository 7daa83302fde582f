import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics/index.ts';
import { senderFilter } from './allowed-networks.ts';
import { policyOf, type SyslogSourceConfig } from './config.ts';
import { SyslogStreamSource } from './syslog-stream.ts';

/** Syslog over plain TCP: LF framing or RFC 6587 octet counting, detected per connection. */
export class SyslogTcpSource extends SyslogStreamSource {
  constructor(config: SyslogSourceConfig, metrics: Metrics, logger: Logger) {
    super(
      {
        source: 'syslog_tcp',
        transport: 'TCP',
        address: config.tcp.address ?? config.address,
        port: config.tcp.port ?? config.port,
        maxConnections: config.tcp.maxConnections,
        idleTimeoutMs: config.tcp.idleTimeoutMs,
        maxMessageBytes: config.maxMessageBytes,
        allowed: senderFilter(policyOf(config, 'tcp').allowedNetworks),
      },
      metrics,
      logger,
    );
  }

  protected createServer(onSocket: (socket: Socket) => void): Server {
    return createServer({ noDelay: true }, onSocket);
  }
}
