import { randomBytes } from 'node:crypto';

export interface IssuedToken {
  clientId: string;
  tenant: string;
  audience: string;
  /** ms epoch. */
  expiresAt: number;
  /** How it was obtained. */
  grant: 'client_secret' | 'client_assertion' | 'managed_identity' | 'static';
}

export type TokenCheck = { ok: true; token: IssuedToken } | { ok: false; reason: string };

/** Tokens live at most this many at once; the oldest go first (bounded, like every store here). */
const MAX_TOKENS = 10_000;

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Access tokens are opaque to clients; ours look like a JWT (so `jwt.ms` shows
 * who it was issued to) but carry a random signature and are only valid because
 * this store remembers them.
 */
export class TokenStore {
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #static: ReadonlySet<string>;
  readonly #issuer: (tenant: string) => string;
  issued = 0;

  constructor(staticTokens: readonly string[], issuer: (tenant: string) => string) {
    this.#static = new Set(staticTokens);
    this.#issuer = issuer;
  }

  issue(token: Omit<IssuedToken, 'expiresAt'>, lifetimeSeconds: number, now: number): { accessToken: string; expiresAt: number } {
    const expiresAt = now + lifetimeSeconds * 1000;
    const iat = Math.floor(now / 1000);
    const claims = {
      aud: token.audience,
      iss: this.#issuer(token.tenant),
      iat,
      nbf: iat,
      exp: Math.floor(expiresAt / 1000),
      appid: token.clientId,
      tid: token.tenant,
      jti: randomBytes(8).toString('hex'),
    };
    const accessToken = `${base64url({ typ: 'JWT', alg: 'none', kid: 'asimd-emulator' })}.${base64url(claims)}.${randomBytes(32).toString('base64url')}`;
    if (this.#tokens.size >= MAX_TOKENS) this.#prune(now);
    this.#tokens.set(accessToken, { ...token, expiresAt });
    this.issued++;
    return { accessToken, expiresAt };
  }

  check(accessToken: string, audience: string, now: number): TokenCheck {
    if (this.#static.has(accessToken)) {
      return { ok: true, token: { clientId: '(static)', tenant: '(static)', audience, expiresAt: Number.MAX_SAFE_INTEGER, grant: 'static' } };
    }
    const token = this.#tokens.get(accessToken);
    if (token === undefined) return { ok: false, reason: 'The access token is unknown to this emulator.' };
    if (token.expiresAt <= now) return { ok: false, reason: `The access token expired at ${new Date(token.expiresAt).toISOString()}.` };
    if (token.audience !== audience) return { ok: false, reason: `The access token's audience ${token.audience} is not ${audience}.` };
    return { ok: true, token };
  }

  /** A 401 fault: the token is treated as expired from now on, so the client must get a new one. */
  expire(accessToken: string, now: number): void {
    const token = this.#tokens.get(accessToken);
    if (token !== undefined) token.expiresAt = Math.min(token.expiresAt, now);
  }

  #prune(now: number): void {
    for (const [key, token] of this.#tokens) {
      if (token.expiresAt <= now) this.#tokens.delete(key);
    }
    // Still full: drop the oldest (Map keeps insertion order).
    for (const key of this.#tokens.keys()) {
      if (this.#tokens.size < MAX_TOKENS) break;
      this.#tokens.delete(key);
    }
  }
}
