import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { SyslogSourceConfig } from '../config/schema.ts';
import { AsimdError } from '../errors/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { FrameSink } from '../pipeline/index.ts';
import { FRAME_TRUNCATED } from '../pipeline/task.ts';
import { SyslogStreamFramer, type FramerCounts } from './framing/syslog-stream-framer.ts';
import type { Source } from './types.ts';

const SOURCE = 'syslog_tcp';

interface Connection {
  socket: Socket;
  framer: SyslogStreamFramer;
  peer: string;
  paused: boolean;
  /** Counts already added to the metrics, so only the difference is added next time. */
  reported: FramerCounts;
}

/**
 * Syslog over TCP. When the pipeline's input queue is full, every connection
 * stops being read, so the kernel's window closes and senders block; reading
 * resumes on the pipeline's 'drain'.
 */
export class SyslogTcpSource implements Source {
  readonly name = SOURCE;
  private server: Server | undefined;
  private sink: FrameSink | undefined;
  private readonly connections = new Set<Connection>();
  private readonly onDrain = (): void => this.resumeAll();

  constructor(
    private readonly config: SyslogSourceConfig,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  async start(sink: FrameSink): Promise<void> {
    this.sink = sink;
    sink.on('drain', this.onDrain);
    const address = this.config.tcp.address ?? this.config.address;
    const port = this.config.tcp.port ?? this.config.port;
    const server = createServer({ noDelay: true, pauseOnConnect: false }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(new AsimdError('ASIMD_SOURCE_BIND', `syslog TCP: cannot bind ${address}:${port}: ${err.message}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen({ host: address, port, backlog: 511 }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.logger.error({ err }, 'TCP server error'));
        resolve();
      });
    });
    this.logger.info({ address, port, maxConnections: this.config.tcp.maxConnections }, 'listening for syslog over TCP');
  }

  address(): { address: string; port: number } | undefined {
    const bound = this.server?.address();
    return bound && typeof bound === 'object' ? { address: bound.address, port: bound.port } : undefined;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.config.tcp.maxConnections) {
      this.metrics.connectionsRejected.inc({ reason: 'max_connections' });
      socket.destroy();
      return;
    }
    const sink = this.sink;
    if (!sink) {
      socket.destroy();
      return;
    }
    const peer = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    let receivedAt = Date.now();
    const framer = new SyslogStreamFramer(this.config.maxMessageBytes, (buffer, start, end, truncated) => {
      sink.push(SOURCE, buffer, start, end, peer, receivedAt, truncated ? FRAME_TRUNCATED : 0);
    });
    const connection: Connection = {
      socket,
      framer,
      peer,
      paused: false,
      reported: { octet_counting: 0, lf: 0, lf_fallback: 0, truncated: 0, empty: 0 },
    };
    this.connections.add(connection);
    this.metrics.connections.set(this.connections.size);
    if (this.config.tcp.idleTimeoutMs > 0) {
      socket.setTimeout(this.config.tcp.idleTimeoutMs, () => {
        this.metrics.connectionsRejected.inc({ reason: 'idle_timeout' });
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
    socket.on('error', (err) => {
      // A peer resetting the connection is routine for syslog senders.
      this.logger.debug({ peer, err: err.message }, 'TCP connection error');
    });
    socket.on('close', () => {
      if (connection.paused) this.metrics.pausedSockets.dec();
      this.connections.delete(connection);
      this.metrics.connections.set(this.connections.size);
    });
  }

  private report(connection: Connection): void {
    const { counts } = connection.framer;
    const { reported } = connection;
    if (counts.octet_counting !== reported.octet_counting) {
      this.metrics.framing.inc({ method: 'octet_counting' }, counts.octet_counting - reported.octet_counting);
      reported.octet_counting = counts.octet_counting;
    }
    if (counts.lf !== reported.lf) {
      this.metrics.framing.inc({ method: 'lf' }, counts.lf - reported.lf);
      reported.lf = counts.lf;
    }
    if (counts.lf_fallback !== reported.lf_fallback) {
      this.metrics.framing.inc({ method: 'lf_fallback' }, counts.lf_fallback - reported.lf_fallback);
      reported.lf_fallback = counts.lf_fallback;
    }
    if (counts.truncated !== reported.truncated) {
      this.metrics.truncated.inc({ source: SOURCE }, counts.truncated - reported.truncated);
      reported.truncated = counts.truncated;
    }
    if (counts.empty !== reported.empty) {
      this.metrics.dropped.inc({ source: SOURCE, reason: 'empty_frame' }, counts.empty - reported.empty);
      reported.empty = counts.empty;
    }
  }

  private pause(connection: Connection): void {
    if (connection.paused) return;
    connection.paused = true;
    connection.socket.pause();
    this.metrics.pausedSockets.inc();
  }

  private resumeAll(): void {
    for (const connection of this.connections) {
      if (!connection.paused) continue;
      connection.paused = false;
      this.metrics.pausedSockets.dec();
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
