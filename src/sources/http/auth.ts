import { createPublicKey, timingSafeEqual, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HttpSourcesConfig } from './config.ts';

/** Compares a presented secret with each accepted one in constant time. */
export function oneOf(presented: string | undefined, accepted: readonly string[]): boolean {
  if (presented === undefined) return false;
  const given = Buffer.from(presented);
  let match = false;
  for (const secret of accepted) {
    const expected = Buffer.from(secret);
    if (expected.length === given.length && timingSafeEqual(expected, given)) match = true;
  }
  return match;
}

export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

interface Jwk {
  kid?: string;
  kty?: string;
  alg?: string;
  [key: string]: unknown;
}

const JWKS_TTL_MS = 3600_000;

/**
 * Verifies the OIDC tokens Pub/Sub push attaches: RS256 signature against
 * Google's JWKS (from a file, or fetched and cached), then audience, issuer,
 * expiry and the service account's email.
 */
export class PubSubTokenVerifier {
  private keys = new Map<string, KeyObject>();
  private fetchedAt = 0;

  constructor(private readonly config: HttpSourcesConfig['pubsub']) {
    if (config.jwksFile !== undefined) this.keys = keysOf(JSON.parse(readFileSync(config.jwksFile, 'utf8')) as unknown);
  }

  /** True when tokens are checked (audience and a JWKS are configured). */
  get enforcing(): boolean {
    return this.config.audience !== undefined && (this.config.jwksFile !== undefined || this.config.jwksUrl !== undefined);
  }

  private async keyFor(kid: string): Promise<KeyObject | undefined> {
    const url = this.config.jwksUrl;
    if (url !== undefined && (!this.keys.has(kid) || Date.now() - this.fetchedAt > JWKS_TTL_MS) && Date.now() - this.fetchedAt > 5_000) {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`JWKS ${url} answered ${response.status}`);
      this.keys = keysOf(await response.json());
      this.fetchedAt = Date.now();
    }
    return this.keys.get(kid);
  }

  /** Undefined when the token is good; else why not (for the 401/403 answer and the counter). */
  async problem(token: string | undefined, now = Date.now()): Promise<{ status: 401 | 403; reason: string } | undefined> {
    if (token === undefined) return { status: 401, reason: 'no bearer token' };
    const parts = token.split('.');
    if (parts.length !== 3) return { status: 401, reason: 'not a JWT' };
    const [head = '', body = '', signature = ''] = parts;
    let header: { alg?: unknown; kid?: unknown };
    let claims: { aud?: unknown; iss?: unknown; exp?: unknown; email?: unknown; email_verified?: unknown };
    try {
      header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return { status: 401, reason: 'not a JWT' };
    }
    if (header.alg !== 'RS256' || typeof header.kid !== 'string') return { status: 401, reason: 'not an RS256 token with a key id' };
    let key: KeyObject | undefined;
    try {
      key = await this.keyFor(header.kid);
    } catch (err) {
      return { status: 401, reason: `cannot get the signing keys: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (key === undefined) return { status: 401, reason: `unknown signing key ${header.kid}` };
    if (!verify('RSA-SHA256', Buffer.from(`${head}.${body}`), key, Buffer.from(signature, 'base64url'))) return { status: 401, reason: 'bad signature' };
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return { status: 401, reason: 'expired token' };
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(this.config.audience)) return { status: 403, reason: 'wrong audience' };
    if (typeof claims.iss !== 'string' || !this.config.issuers.includes(claims.iss)) return { status: 403, reason: 'wrong issuer' };
    const emails = this.config.serviceAccountEmails;
    if (emails.length > 0 && (typeof claims.email !== 'string' || claims.email_verified !== true || !emails.includes(claims.email))) {
      return { status: 403, reason: 'not an allowed service account' };
    }
    return undefined;
  }
}

function keysOf(jwks: unknown): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const list = typeof jwks === 'object' && jwks !== null && 'keys' in jwks && Array.isArray(jwks.keys) ? (jwks.keys as Jwk[]) : [];
  for (const jwk of list) {
    if (typeof jwk.kid !== 'string' || jwk.kty !== 'RSA') continue;
    keys.set(jwk.kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
  }
  return keys;
}
