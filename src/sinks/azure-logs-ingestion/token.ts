import type { TokenCredential } from '@azure/identity';
import type { Logger } from 'pino';
import type { Metrics } from '../../metrics/index.ts';

/** Refresh this long before expiry, or at half the lifetime for short-lived tokens. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;
const RETRY_AFTER_FAILURE_MS = 5_000;

/**
 * Keeps a bearer token ready. Tokens are fetched ahead of expiry on a timer,
 * never on the request path; a 401 asks for a fresh credential (bypassing any
 * token cache inside it) once, and requests wait for it.
 */
export class TokenManager {
  private credential: TokenCredential;
  private token: string | undefined;
  private expiresAt = 0;
  private refreshing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  lastError: string | undefined;

  constructor(
    private readonly createCredential: () => TokenCredential,
    private readonly scope: string,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.credential = createCredential();
  }

  /** The current token, waiting for the first (or a forced) refresh. */
  async current(): Promise<string | undefined> {
    if (this.token === undefined || Date.now() >= this.expiresAt) await this.refresh();
    return this.token;
  }

  /** After a 401: drop the token and get a new one from a fresh credential. */
  async invalidate(rejectedToken: string): Promise<void> {
    if (this.token !== rejectedToken) return; // someone already refreshed
    this.token = undefined;
    this.credential = this.createCredential();
    await this.refresh();
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.fetch().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async fetch(): Promise<void> {
    try {
      const access = await this.credential.getToken(this.scope);
      if (!access) throw new Error('the credential returned no token');
      this.token = access.token;
      this.expiresAt = access.expiresOnTimestamp;
      this.lastError = undefined;
      this.metrics.tokenRefreshes.inc({ outcome: 'ok' });
      const lifetime = access.expiresOnTimestamp - Date.now();
      const refreshIn = access.refreshAfterTimestamp
        ? access.refreshAfterTimestamp - Date.now()
        : Math.min(lifetime - REFRESH_MARGIN_MS, lifetime / 2);
      this.schedule(Math.max(refreshIn, 1000));
    } catch (err) {
      this.lastError = err instanceof Error ? err.message.split('\n')[0] : String(err);
      this.metrics.tokenRefreshes.inc({ outcome: 'error' });
      this.logger.error({ err: this.lastError }, 'could not get an Entra ID token; retrying');
      this.schedule(RETRY_AFTER_FAILURE_MS);
    }
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), Math.min(ms, 2 ** 31 - 1));
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
