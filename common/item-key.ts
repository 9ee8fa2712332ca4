// An item key (a dong's name) becomes a command argument, a directory name and part of a workflow id,
// so it must be a plain name: letters, digits, '.', '_', '-', not starting with '-' or '.'.
import { formatCount, MAX_ITEMS_PER_RUN, utf8Length } from './limits';

export const ITEM_KEY_MAX_LENGTH = 128;
/** A path segment holds 255 bytes; steps add suffixes (`<item>.json.part`), so a key keeps room for them. */
export const ITEM_KEY_MAX_BYTES = 200;
const ITEM_KEY = /^[\p{L}\p{N}_][\p{L}\p{N}\p{M}._-]*$/u;

/** Why `key` is not a valid item key, or null when it is. */
export function itemKeyProblem(key: unknown): string | null {
  if (typeof key !== 'string') return 'must be a string';
  if (key.length === 0) return 'must not be empty';
  if (key.length > ITEM_KEY_MAX_LENGTH) return `must be at most ${ITEM_KEY_MAX_LENGTH} characters`;
  if (utf8Length(key) > ITEM_KEY_MAX_BYTES)
    return `must be at most ${ITEM_KEY_MAX_BYTES} bytes in UTF-8 (it names a folder; a Hangul syllable takes 3 bytes)`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this rejects
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'must not contain control characters';
  if (/[/\\]/.test(key)) return 'must not contain path separators';
  if (!ITEM_KEY.test(key))
    return "may contain only letters, digits, '.', '_' and '-', and must start with a letter, digit or '_'";
  return null;
}

/** Problems with a list of item keys (each invalid or duplicate key named by index); empty when it is fine. */
export function itemKeysProblems(keys: unknown): string[] {
  if (!Array.isArray(keys)) return ['items must be a JSON array of item keys'];
  if (keys.length > MAX_ITEMS_PER_RUN)
    return [
      `${formatCount(keys.length)} items are more than a run may have ` +
        `(MAX_ITEMS_PER_RUN: ${formatCount(MAX_ITEMS_PER_RUN)})`,
    ];
  const problems: string[] = [];
  const seen = new Set<string>();
  keys.forEach((key, i) => {
    const problem = itemKeyProblem(key);
    if (problem) problems.push(`items[${i}] ${JSON.stringify(key)} ${problem}`);
    else if (seen.has(key)) problems.push(`items[${i}] ${JSON.stringify(key)} is a duplicate`);
    else seen.add(key);
  });
  return problems;
}
