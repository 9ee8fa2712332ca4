// Where the sign-in page sends a person afterwards: only a path on this site, never another site.

export const AFTER_SIGN_IN = '/pipelines';

/**
 * `next` when it is a same-site relative path ("/runs/1?tab=grid"): one leading '/', not '//' or '/\' (which
 * browsers read as another host), no control characters or backslashes (browsers drop tabs and newlines and turn
 * '\' into '/', so "/\t/evil.example" would become "//evil.example"). Anything else: the pipelines page.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//')) return AFTER_SIGN_IN;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return AFTER_SIGN_IN;
  const base = 'http://portal.invalid';
  const url = new URL(next, base);
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : AFTER_SIGN_IN;
}
