import { BlockList, isIP } from 'node:net';

/** Problems with the entries of an allowedNetworks list, one line each, for config validation. */
export function networkProblems(entries: readonly string[], path: string): string[] {
  const problems: string[] = [];
  entries.forEach((entry, index) => {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > maxBits))) {
      problems.push(`${path}[${index}]: ${JSON.stringify(entry)} is not an IP address or CIDR network`);
    }
  });
  return problems;
}

/**
 * A predicate for sender addresses, or undefined when every sender is allowed.
 * Built once per listener on net.BlockList, which matches IPv4 and IPv6 natively.
 */
export function senderFilter(entries: readonly string[]): ((address: string) => boolean) | undefined {
  if (entries.length === 0) return undefined;
  const allowed = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) allowed.addAddress(address, type);
    else allowed.addSubnet(address, Number(prefix), type);
  }
  return (address: string): boolean => {
    // A dual-stack socket reports IPv4 senders as ::ffff:a.b.c.d.
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    return allowed.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  };
}
