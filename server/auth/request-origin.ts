// Where a request comes from, for the checks that cookies need and bearer tokens do not.

/**
 * Which page sent a request, by its Origin (or, lacking one, its Referer): "portal" when it is the portal's own
 * (the origin of BREWLINE_PUBLIC_URL, or the host the request was sent to), "elsewhere" for any other (including
 * the "null" origin of sandboxed frames), "unknown" when the request names none (programs, older clients).
 */
export function requestSource(headers: Headers, publicUrl: string): 'portal' | 'elsewhere' | 'unknown' {
  const named = headers.get('origin') ?? headers.get('referer');
  if (!named) return 'unknown';
  let from: URL;
  try {
    from = new URL(named);
  } catch {
    return 'elsewhere';
  }
  if (from.origin === new URL(publicUrl).origin) return 'portal';
  const host = headers.get('host');
  if (!host) return 'elsewhere';
  try {
    // the Host header, normalised as the sender's URL is (case, default port)
    return new URL(`${from.protocol}//${host}`).host === from.host ? 'portal' : 'elsewhere';
  } catch {
    return 'elsewhere';
  }
}

/**
 * The client's address as the nearest proxy saw it: the last entry of X-Forwarded-For. A reverse proxy appends the
 * address it was connected from; Next.js sets the header to the socket's address when a request arrives without
 * one. A client that reaches Next.js directly can send its own header, so this is exact only behind a proxy.
 */
export function clientAddress(headers: Headers): string | null {
  const last = headers.get('x-forwarded-for')?.split(',').at(-1)?.trim();
  return last ? last.slice(0, 100) : null;
}
