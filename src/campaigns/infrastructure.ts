/**
 * Sender infrastructure keys for clustering: the client network (IPv4 /24, IPv6 /48: what one hosting
 * customer or one compromised network holds), the HELO name and the envelope sender domain. Internal
 * and unroutable addresses are no one's infrastructure (they are our own relays) and give no key.
 */

/** The /24 (IPv4) or /48 (IPv6) network of a client address, or undefined when not a public address. */
export function senderNetwork(ip: string): string | undefined {
  const text = ip.trim().toLowerCase();
  const mapped = /^(?:::ffff:|0:0:0:0:0:ffff:)(\d{1,3}(?:\.\d{1,3}){3})$/u.exec(text)?.[1];
  const v4 = parseIpv4(mapped ?? text);
  if (v4 !== undefined) return isPublicIpv4(v4) ? `${v4[0]}.${v4[1]}.${v4[2]}.0/24` : undefined;
  const v6 = parseIpv6(text);
  if (v6 === undefined || !isPublicIpv6(v6)) return undefined;
  return `${v6.slice(0, 3).map((g) => g.toString(16)).join(':')}::/48`;
}

/** The address family of a literal IP address, or undefined when it is not one. */
export function ipFamily(ip: string): 'ipv4' | 'ipv6' | undefined {
  const text = ip.trim().toLowerCase();
  if (parseIpv4(text) !== undefined) return 'ipv4';
  return parseIpv6(text) === undefined ? undefined : 'ipv6';
}

/** True for a public (globally routed) IPv4 or IPv6 address. */
export function isPublicAddress(ip: string): boolean {
  return senderNetwork(ip) !== undefined;
}

/** A HELO name as a key: lower case without a trailing dot; undefined for empty, localhost and address literals. */
export function heloKey(helo: string): string | undefined {
  const name = helo.trim().toLowerCase().replace(/\.$/u, '');
  if (name === '' || name.length > 255 || name.startsWith('[') || name === 'localhost' || name === 'localhost.localdomain') return undefined;
  if (parseIpv4(name) !== undefined || parseIpv6(name) !== undefined) return undefined;
  return name;
}

function parseIpv4(text: string): [number, number, number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/u.exec(text);
  if (m === null) return undefined;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] as [number, number, number, number];
  return parts.every((p) => p <= 255) ? parts : undefined;
}

function isPublicIpv4([a, b]: readonly [number, number, number, number]): boolean {
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  return true;
}

/** Eight 16-bit groups, or undefined; an embedded dotted IPv4 tail is accepted. */
function parseIpv6(text: string): number[] | undefined {
  if (text.length > 45 || !/^[0-9a-f:.]+$/u.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === undefined) return undefined;
        groups.push(v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]);
      } else if (/^[0-9a-f]{1,4}$/u.test(piece)) groups.push(Number.parseInt(piece, 16));
      else return undefined;
    }
    return groups;
  };
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing < 1 ? undefined : [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function isPublicIpv6(groups: readonly number[]): boolean {
  const first = groups[0] ?? 0;
  // Only global unicast (2000::/3) is public; ::1, ::, fc00::/7, fe80::/10, ff00::/8 and mapped forms are not.
  if (first < 0x2000 || first > 0x3fff) return false;
  // 2001:db8::/32 is documentation; kept, tests and examples use it (as 203.0.113.0/24 for IPv4).
  return true;
}
