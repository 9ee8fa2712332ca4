// A code cell's settings written as its first line, where a person sees and edits them in Jupyter:
//   # brewline: id=download queue=gpu needs=a,b scope=item title="Download the images"

/** The first line of a cell that holds its settings. */
export const TAG_COMMENT = /^#\s*brewline:(.*)$/;

/** The settings a tag comment may name, and the form of each value. */
export const TAG_KEYS = {
  id: 'a step id',
  title: 'any text (quote it when it has spaces)',
  queue: 'cpu or gpu',
  scope: 'before, item, alongside or after',
  needs: 'step ids separated by ","; empty for none',
  model: 'name@alias or name@version',
  network: 'on or off',
  secrets: 'VARIABLE:secret-name pairs separated by ","',
  connection: 'a connection name',
  retries: 'the most attempts, a whole number',
  timeout: 'the longest an attempt may run: 90s, 30m, 2h',
} as const;
export type TagKey = keyof typeof TAG_KEYS;

export interface TagSettings {
  /** The step's settings, as its spec names them (retries as retry.maxAttempts, timeout as timeouts.startToCloseMs). */
  settings: Record<string, unknown>;
  /** The spec fields those settings set. */
  fields: string[];
  problems: string[];
}

const isTagKey = (key: string): key is TagKey => Object.hasOwn(TAG_KEYS, key);

/** The key=value pairs of a tag comment's text; a value in double quotes may hold spaces, \" and \\. */
function pairsOf(text: string): { pairs: [string, string][]; problem: string | null } {
  const pairs: [string, string][] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    const key = /^([A-Za-z][A-Za-z0-9_-]*)=/.exec(text.slice(i));
    if (!key) return { pairs, problem: `expected key=value at "${text.slice(i, i + 20)}"` };
    i += key[0].length;
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return { pairs, problem: `the value of ${key[1]} has no closing quote` };
        const c = text[i++]!;
        if (c === '"') break;
        value += c === '\\' && i < text.length ? text[i++]! : c;
      }
      if (i < text.length && !/\s/.test(text[i]!))
        return { pairs, problem: `expected a space after the quoted value of ${key[1]}` };
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) value += text[i++]!;
    }
    pairs.push([key[1]!, value]);
  }
  return { pairs, problem: null };
}

const DURATION = /^(\d+)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** One setting's value as the spec holds it, or why it cannot be read. */
function settingOf(key: TagKey, value: string): { field: string; value: unknown } | string {
  switch (key) {
    case 'id':
    case 'title':
    case 'queue':
    case 'scope':
    case 'connection':
      return { field: key, value };
    case 'needs':
      return { field: 'needs', value: value.split(',').flatMap((n) => (n.trim() ? [n.trim()] : [])) };
    case 'model': {
      const [name, ref, ...rest] = value.split('@');
      if (!name || ref === undefined || rest.length) return `model must be ${TAG_KEYS.model}, not "${value}"`;
      return { field: 'model', value: /^\d+$/.test(ref) ? { name, version: Number(ref) } : { name, alias: ref } };
    }
    case 'network':
      if (['on', 'true', 'yes'].includes(value)) return { field: 'network', value: true };
      if (['off', 'false', 'no'].includes(value)) return { field: 'network', value: false };
      return `network must be on or off, not "${value}"`;
    case 'secrets': {
      const secrets: Record<string, string> = {};
      for (const pair of value.split(',').filter((p) => p.trim())) {
        const [variable, name, ...rest] = pair.trim().split(':');
        if (!variable || !name || rest.length) return `secrets must be ${TAG_KEYS.secrets}, not "${pair}"`;
        secrets[variable] = name;
      }
      return { field: 'secrets', value: secrets };
    }
    case 'retries':
      return /^\d+$/.test(value)
        ? { field: 'retry', value: { maxAttempts: Number(value) } }
        : `retries must be ${TAG_KEYS.retries}, not "${value}"`;
    case 'timeout': {
      const m = DURATION.exec(value);
      if (!m) return `timeout must be ${TAG_KEYS.timeout}, not "${value}"`;
      const unit = (m[2] ?? 'ms') as keyof typeof UNIT_MS;
      return { field: 'timeouts', value: { startToCloseMs: Number(m[1]) * UNIT_MS[unit] } };
    }
    default: {
      const unreachable: never = key;
      return `unknown setting ${String(unreachable)}`;
    }
  }
}

/** The settings of a tag comment's text (what follows "brewline:"). */
export function parseTagComment(text: string): TagSettings {
  const { pairs, problem } = pairsOf(text);
  const out: TagSettings = { settings: {}, fields: [], problems: problem ? [problem] : [] };
  const seen = new Set<string>();
  for (const [key, value] of pairs) {
    if (!isTagKey(key)) {
      out.problems.push(
        `unknown setting "${key}" in the brewline comment (known: ${Object.keys(TAG_KEYS).join(', ')})`,
      );
      continue;
    }
    if (seen.has(key)) {
      out.problems.push(`${key} is given twice in the brewline comment`);
      continue;
    }
    seen.add(key);
    const setting = settingOf(key, value);
    if (typeof setting === 'string') out.problems.push(setting);
    else {
      out.settings[setting.field] = setting.value;
      out.fields.push(setting.field);
    }
  }
  return out;
}
