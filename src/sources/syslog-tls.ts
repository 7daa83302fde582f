import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createServer, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { AsimdError, errorCodeOf } from '../errors/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { FrameSink } from '../pipeline/index.ts';
import { senderFilter } from './allowed-networks.ts';
import { policyOf, type SyslogSourceConfig } from './config.ts';
import { SyslogStreamSource } from './syslog-stream.ts';

const WATCH_INTERVAL_MS = 2000;

/**
 * Syslog over TLS (RFC 5425), optionally with client certificates (mTLS).
 * Certificates are reloaded on SIGHUP and when the files change (polling, so an
 * atomic rename by certbot or cert-manager is seen too); open connections keep
 * their session, new ones get the new certificate.
 */
export class SyslogTlsSource extends SyslogStreamSource {
  private tlsServer: TlsServer | undefined;
  private readonly files: string[];
  private readonly onHangup = (): void => this.reload('SIGHUP');
  private readonly onFileChange = (): void => this.reload('file change');

  constructor(
    private readonly config: SyslogSourceConfig,
    metrics: Metrics,
    logger: Logger,
  ) {
    super(
      {
        source: 'syslog_tls',
        transport: 'TLS',
        address: config.tls.address ?? config.address,
        port: config.tls.port,
        maxConnections: config.tls.maxConnections,
        idleTimeoutMs: config.tls.idleTimeoutMs,
        maxMessageBytes: config.maxMessageBytes,
        allowed: senderFilter(policyOf(config, 'tls').allowedNetworks),
      },
      metrics,
      logger,
    );
    const { certFile, keyFile, clientCaFile } = config.tls;
    this.files = [certFile, keyFile, clientCaFile].filter((file): file is string => file !== undefined);
  }

  /** Reads the certificate files; throws a coded error naming the file that cannot be read. */
  private secureContext(): SecureContextOptions {
    const read = (key: 'certFile' | 'keyFile' | 'clientCaFile'): Buffer | undefined => {
      const file = this.config.tls[key];
      if (file === undefined) return undefined;
      try {
        return readFileSync(file);
      } catch (err) {
        throw new AsimdError('ASIMD_SOURCE_BIND', `sources.syslog.tls.${key}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    };
    const ca = read('clientCaFile');
    return { cert: read('certFile'), key: read('keyFile'), ...(ca ? { ca } : {}) };
  }

  protected createServer(onSocket: (socket: Socket) => void): Server {
    const { tls } = this.config;
    const server = createServer({
      ...this.secureContext(),
      minVersion: tls.minVersion,
      requestCert: tls.requireClientCertificate || tls.clientCaFile !== undefined,
      // Checked below instead of by OpenSSL, so a refusal is counted with its
      // real reason (an untrusted certificate would otherwise look like a hang-up).
      rejectUnauthorized: false,
      // A slow or silent handshake must not hold a connection slot for long.
      handshakeTimeout: 10_000,
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      if (tls.requireClientCertificate && !socket.authorized) {
        const reason = socket.getPeerCertificate().subject === undefined ? 'no_client_certificate' : String(socket.authorizationError ?? 'unauthorized');
        this.metrics.tlsHandshakeFailures.inc({ reason });
        this.logger.debug({ peer: socket.remoteAddress, reason }, 'TLS client refused');
        socket.destroy();
        return;
      }
      onSocket(socket);
    });
    server.on('tlsClientError', (err: Error) => {
      this.metrics.tlsHandshakeFailures.inc({ reason: errorCodeOf(err) ?? 'handshake_error' });
      this.logger.debug({ err: err.message }, 'TLS handshake failed');
    });
    this.tlsServer = server;
    return server;
  }

  override async start(sink: FrameSink): Promise<void> {
    await super.start(sink);
    process.on('SIGHUP', this.onHangup);
    if (this.config.tls.watchFiles) for (const file of this.files) watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, this.onFileChange);
  }

  /** New connections get the files' current certificate; a bad file keeps the old one. */
  reload(reason: string): void {
    try {
      this.tlsServer?.setSecureContext({ ...this.secureContext(), minVersion: this.config.tls.minVersion });
      this.metrics.tlsReloads.inc({ outcome: 'ok' });
      this.logger.info({ reason }, 'TLS certificates reloaded');
    } catch (err) {
      this.metrics.tlsReloads.inc({ outcome: 'error' });
      this.logger.error({ reason, err: err instanceof Error ? err.message : String(err) }, 'TLS certificates not reloaded; keeping the current ones');
    }
  }

  override async stop(): Promise<void> {
    process.off('SIGHUP', this.onHangup);
    for (const file of this.files) unwatchFile(file, this.onFileChange);
    await super.stop();
  }
}
