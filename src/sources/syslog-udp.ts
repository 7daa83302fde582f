import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import type { SyslogSourceConfig } from '../config/schema.ts';
import { AsimdError } from '../errors/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { FrameSink } from '../pipeline/index.ts';
import { FRAME_TRUNCATED } from '../pipeline/task.ts';
import type { Source } from './types.ts';

const SOURCE = 'syslog_udp';

/** One syslog message per datagram. UDP cannot push back, so a full queue means a counted drop. */
export class SyslogUdpSource implements Source {
  readonly name = SOURCE;
  private socket: Socket | undefined;

  constructor(
    private readonly config: SyslogSourceConfig,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  async start(sink: FrameSink): Promise<void> {
    const address = this.config.udp.address ?? this.config.address;
    const port = this.config.udp.port ?? this.config.port;
    const maxBytes = this.config.maxMessageBytes;
    const socket = createSocket({
      type: isIPv6(address) ? 'udp6' : 'udp4',
      reuseAddr: false,
      recvBufferSize: this.config.udp.receiveBufferBytes,
    });
    this.socket = socket;
    socket.on('message', (datagram: Buffer, peer: RemoteInfo) => {
      if (sink.full) {
        this.metrics.dropped.inc({ source: SOURCE, reason: 'queue_full' });
        return;
      }
      let end = datagram.length;
      // Many senders end a datagram with LF (or CRLF); it is not part of the message.
      while (end > 0 && (datagram[end - 1] === 0x0a || datagram[end - 1] === 0x0d)) end--;
      if (end === 0) {
        this.metrics.dropped.inc({ source: SOURCE, reason: 'empty_frame' });
        return;
      }
      let flags = 0;
      if (end > maxBytes) {
        end = maxBytes;
        flags = FRAME_TRUNCATED;
        this.metrics.truncated.inc({ source: SOURCE });
      }
      sink.push(SOURCE, datagram, 0, end, peer.address, Date.now(), flags);
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new AsimdError('ASIMD_SOURCE_BIND', `syslog UDP: cannot bind ${address}:${port}: ${err.message}`, { cause: err }));
      };
      socket.once('error', onError);
      socket.bind(port, address, () => {
        socket.off('error', onError);
        socket.on('error', (err) => this.logger.error({ err }, 'UDP socket error'));
        resolve();
      });
    });
    this.logger.info(
      { address, port, receiveBufferBytes: socket.getRecvBufferSize() },
      'listening for syslog over UDP',
    );
  }

  address(): { address: string; port: number } | undefined {
    const bound = this.socket?.address();
    return bound ? { address: bound.address, port: bound.port } : undefined;
  }

  stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
