// Where the platform's own outbound calls (HTTP sensors, alerts) may go: never to loopback, link-local or private
// addresses (the portal's API, the database, a cloud's metadata service) unless an admin allows them
// (BREWLINE_EGRESS_ALLOW: addresses, CIDR ranges or host names).
import { lookup } from 'node:dns/promises';
import net from 'node:net';

export class EgressRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EgressRefusedError';
  }
}

const INTERNAL: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 3, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

export interface EgressGuard {
  /** Resolves the URL's host and refuses it when any of its addresses is internal and not allowed. */
  check(url: string): Promise<void>;
}

export function createEgressGuard(allow: string[]): EgressGuard {
  const internal = new net.BlockList();
  for (const [address, prefix, type] of INTERNAL) internal.addSubnet(address, prefix, type);
  const allowed = new net.BlockList();
  const allowedHosts = new Set<string>();
  for (const entry of allow) {
    const [address, prefix] = entry.split('/');
    const type = net.isIP(address ?? '');
    if (type === 0) allowedHosts.add(entry.toLowerCase());
    else if (prefix === undefined) allowed.addAddress(address!, type === 4 ? 'ipv4' : 'ipv6');
    else allowed.addSubnet(address!, Number(prefix), type === 4 ? 'ipv4' : 'ipv6');
  }
  const isInternal = (address: string, type: 'ipv4' | 'ipv6') => {
    // an IPv4 address written as IPv6 (::ffff:127.0.0.1) is the IPv4 address
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (mapped) return internal.check(mapped, 'ipv4') && !allowed.check(mapped, 'ipv4');
    return internal.check(address, type) && !allowed.check(address, type);
  };
  return {
    async check(url) {
      let host: string;
      try {
        const parsed = new URL(url);
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
          throw new EgressRefusedError(`${parsed.protocol} URLs are not allowed (http and https only)`);
        host = parsed.hostname.replace(/^\[|\]$/g, '');
      } catch (err) {
        if (err instanceof EgressRefusedError) throw err;
        throw new EgressRefusedError(`not a URL: ${url}`);
      }
      if (allowedHosts.has(host.toLowerCase())) return;
      const addresses = net.isIP(host)
        ? [{ address: host, family: net.isIP(host) }]
        : await lookup(host, { all: true }).catch(() => []);
      for (const { address, family } of addresses)
        if (isInternal(address, family === 4 ? 'ipv4' : 'ipv6'))
          throw new EgressRefusedError(
            `${host} is an internal address (${address}); an admin may allow it with BREWLINE_EGRESS_ALLOW`,
          );
    },
  };
}
