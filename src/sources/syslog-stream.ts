import type { Server, Socket } from 'node:net';
import type { Logger } from 'pino';
import { AsimdError } from '../errors/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { FrameSink } from '../pipeline/index.ts';
import { FRAME_TRUNCATED, type SourceName } from '../pipeline/task.ts';
import { SyslogStreamFramer, type FramerCounts } from './framing/syslog-stream-framer.ts';
import type { Source } from './types.ts';

export interface StreamListenerOptions {
  source: SourceName;
  /** For logs and errors: "TCP", "TLS". */
  transport: string;
  address: string;
  port: number;
  maxConnections: number;
  idleTimeoutMs: number;
  maxMessageBytes: number;
  /** Undefined: every sender is allowed. */
  allowed: ((address: string) => boolean) | undefined;
}

interface Connection {
  socket: Socket;
  framer: SyslogStreamFramer;
  paused: boolean;
  /** Counts already added to the metrics, so only the difference is added next time. */
  reported: FramerCounts;
}

/**
 * A stream listener for syslog (TCP, or TLS through a subclass). When the
 * pipeline's input queue is full, every connection stops being read, so the
 * kernel's window closes and senders block; reading resumes on 'drain'.
 */
export abstract class SyslogStreamSource implements Source {
  readonly name: SourceName;
  private server: Server | undefined;
  private sink: FrameSink | undefined;
  private readonly connections = new Set<Connection>();
  private readonly onDrain = (): void => this.resumeAll();

  constructor(
    protected readonly options: StreamListenerOptions,
    protected readonly metrics: Metrics,
    protected readonly logger: Logger,
  ) {
    this.name = options.source;
  }

  /** The listening server; `onSocket` is called for every connection ready to carry data. */
  protected abstract createServer(onSocket: (socket: Socket) => void): Server;

  async start(sink: FrameSink): Promise<void> {
    this.sink = sink;
    sink.on('drain', this.onDrain);
    const { address, port, transport } = this.options;
    const server = this.createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new AsimdError('ASIMD_SOURCE_BIND', `syslog ${transport}: cannot bind ${address}:${port}: ${err.message}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen({ host: address, port, backlog: 511 }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.logger.error({ err }, `${transport} server error`));
        resolve();
      });
    });
    this.logger.info(
      { address, port: this.address()?.port, maxConnections: this.options.maxConnections, allowedNetworks: this.options.allowed !== undefined },
      `listening for syslog over ${transport}`,
    );
  }

  address(): { address: string; port: number } | undefined {
    const bound = this.server?.address();
    return bound && typeof bound === 'object' ? { address: bound.address, port: bound.port } : undefined;
  }

  private accept(socket: Socket): void {
    const { source } = this.options;
    const peer = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    socket.on('error', (err) => {
      // A peer resetting the connection is routine for syslog senders.
      this.logger.debug({ peer, err: err.message }, 'connection error');
    });
    if (this.options.allowed && !this.options.allowed(peer)) {
      this.metrics.connectionsRejected.inc({ source, reason: 'sender_not_allowed' });
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.options.maxConnections) {
      this.metrics.connectionsRejected.inc({ source, reason: 'max_connections' });
      socket.destroy();
      return;
    }
    const sink = this.sink;
    if (!sink) {
      socket.destroy();
      return;
    }
    let receivedAt = Date.now();
    const framer = new SyslogStreamFramer(this.options.maxMessageBytes, (buffer, start, end, truncated) => {
      sink.push(source, buffer, start, end, peer, receivedAt, truncated ? FRAME_TRUNCATED : 0);
    });
    const connection: Connection = {
      socket,
      framer,
      paused: false,
      reported: { octet_counting: 0, lf: 0, lf_fallback: 0, truncated: 0, empty: 0 },
    };
    this.connections.add(connection);
    this.metrics.connections.set({ source }, this.connections.size);
    if (this.options.idleTimeoutMs > 0) {
      socket.setTimeout(this.options.idleTimeoutMs, () => {
        this.metrics.connectionsRejected.inc({ source, reason: 'idle_timeout' });
        socket.end();
      });
    }
    socket.on('data', (chunk: Buffer) => {
      receivedAt = Date.now();
      framer.push(chunk);
      this.report(connection);
      if (sink.full) this.pause(connection);
    });
    socket.on('end', () => {
      framer.end();
      this.report(connection);
    });
    socket.on('close', () => {
      if (connection.paused) this.metrics.pausedSockets.dec({ source });
      this.connections.delete(connection);
      this.metrics.connections.set({ source }, this.connections.size);
    });
  }

  private report(connection: Connection): void {
    const { source } = this.options;
    const { counts } = connection.framer;
    const { reported } = connection;
    for (const method of ['octet_counting', 'lf', 'lf_fallback'] as const) {
      if (counts[method] === reported[method]) continue;
      this.metrics.framing.inc({ source, method }, counts[method] - reported[method]);
      reported[method] = counts[method];
    }
    if (counts.truncated !== reported.truncated) {
      this.metrics.truncated.inc({ source }, counts.truncated - reported.truncated);
      reported.truncated = counts.truncated;
    }
    if (counts.empty !== reported.empty) {
      this.metrics.dropped.inc({ source, reason: 'empty_frame' }, counts.empty - reported.empty);
      reported.empty = counts.empty;
    }
  }

  private pause(connection: Connection): void {
    if (connection.paused) return;
    connection.paused = true;
    connection.socket.pause();
    this.metrics.pausedSockets.inc({ source: this.options.source });
  }

  private resumeAll(): void {
    for (const connection of this.connections) {
      if (!connection.paused) continue;
      connection.paused = false;
      this.metrics.pausedSockets.dec({ source: this.options.source });
      connection.socket.resume();
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.sink?.off('drain', this.onDrain);
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Stop reading; what was read is framed, and a frame cut off by the
    // shutdown is shipped as far as it got rather than lost.
    for (const connection of this.connections) {
      const { socket, framer } = connection;
      socket.pause();
      // Bytes Node already read from the kernel but has not emitted yet are accepted data too.
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) framer.push(chunk);
      framer.end(true);
      this.report(connection);
      socket.destroy();
    }
    await closed;
  }
}
