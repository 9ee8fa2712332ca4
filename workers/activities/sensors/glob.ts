// The * and ? of a sensor's last path segment (file names and S3 keys).

export const hasGlob = (pattern: string) => /[*?]/.test(pattern);

/** A file-name pattern with * and ? (no "/"). */
export function globRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
}
