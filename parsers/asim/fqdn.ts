/**
 * ASIM helper `_ASIM_ResolveFQDN` (used by _ASIM_ResolveDvcFQDN / _ASIM_ResolveSrcFQDN): split a host name on
 * '.' into Hostname (first label), Domain (the rest), DomainType `FQDN` and FQDN (the whole value) when there is
 * more than one label. Empty results are `undefined`.
 *
 * asimd decision (not in Microsoft's helper): an IP literal is not a host name, so it resolves to nothing. The
 * helper would turn `10.0.0.5` into Hostname `10`, Domain `0.0.5`, DomainType `FQDN` (rule 3, factually wrong);
 * asimd's Syslog `Computer` falls back to the peer address when the message has no HOSTNAME.
 */
import type { DomainType } from './authentication.ts';

export interface ResolvedHost {
  readonly hostname: string | undefined;
  readonly domain: string | undefined;
  readonly domainType: DomainType | undefined;
  readonly fqdn: string | undefined;
}

const NOTHING: ResolvedHost = { hostname: undefined, domain: undefined, domainType: undefined, fqdn: undefined };
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** True for IPv4 dotted quads and anything with ':' (IPv6; a host name never has one). */
export function isIpLiteral(value: string): boolean {
  return value.includes(':') || IPV4.test(value);
}

export function resolveFqdn(value: string | undefined): ResolvedHost {
  if (value === undefined || value === '' || isIpLiteral(value)) return NOTHING;
  const dot = value.indexOf('.');
  if (dot < 0) return { hostname: value, domain: undefined, domainType: undefined, fqdn: undefined };
  const domain = value.slice(dot + 1);
  return { hostname: dot === 0 ? undefined : value.slice(0, dot), domain: domain === '' ? undefined : domain, domainType: 'FQDN', fqdn: value };
}
