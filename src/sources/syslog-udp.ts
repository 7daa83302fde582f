import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { senderFilter } from './allowed-networks.ts';
import { policyOf, type SyslogSourceConfig } from './config.ts';
import { AsimdError } from '../errors/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { FrameSink } from '../pipeline/index.ts';
import { FRAME_TRUNCATED, type SourceName } from '../pipeline/task.ts';
import type { Source } from './types.ts';

const SOURCE: SourceName = 'syslog_udp';

/**
 * The kernel counts datagrams it dropped for a full receive buffer in the last
 * column of /proc/net/udp{,6}; those never reach asimd, but operators must see them.
 */
export function kernelUdpDrops(port: number, procFiles = ['/proc/net/udp', '/proc/net/udp6']): number {
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let drops = 0;
  for (const file of procFiles) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(portHex)) drops += Number(fields[fields.length - 1]) || 0;
    }
  }
  return drops;
}

/** One syslog message per datagram. UDP cannot push back, so a full queue means a counted drop. */
export class SyslogUdpSource implements Source {
  readonly name = SOURCE;
  private socket: Socket | undefined;
  private dropReader: (() => number) | undefined;

  constructor(
    private readonly config: SyslogSourceConfig,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  async start(sink: FrameSink): Promise<void> {
    const address = this.config.udp.address ?? this.config.address;
    const port = this.config.udp.port ?? this.config.port;
    const maxBytes = this.config.maxMessageBytes;
    const allowed = senderFilter(policyOf(this.config, 'udp').allowedNetworks);
    const socket = createSocket({
      type: isIPv6(address) ? 'udp6' : 'udp4',
      reuseAddr: false,
      recvBufferSize: this.config.udp.receiveBufferBytes,
    });
    this.socket = socket;
    socket.on('message', (datagram: Buffer, peer: RemoteInfo) => {
      if (allowed && !allowed(peer.address)) {
        this.metrics.dropped.inc({ source: SOURCE, reason: 'sender_not_allowed' });
        return;
      }
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
    const boundPort = socket.address().port;
    this.dropReader = () => kernelUdpDrops(boundPort);
    this.metrics.udpDropReaders.add(this.dropReader);
    // Linux reports twice what it granted, and caps the request at net.core.rmem_max without an error.
    const granted = socket.getRecvBufferSize() / 2;
    if (granted < this.config.udp.receiveBufferBytes) {
      this.logger.warn(
        { requested: this.config.udp.receiveBufferBytes, granted },
        'the kernel capped the UDP receive buffer; raise net.core.rmem_max to get the configured size',
      );
    }
    this.logger.info({ address, port: boundPort, receiveBufferBytes: granted }, 'listening for syslog over UDP');
  }

  address(): { address: string; port: number } | undefined {
    const bound = this.socket?.address();
    return bound ? { address: bound.address, port: bound.port } : undefined;
  }

  stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (this.dropReader) this.metrics.udpDropReaders.delete(this.dropReader);
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }
}
