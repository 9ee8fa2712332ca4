// Masks a step's granted secret values in what is kept of it (its log, result and error) and in what travels to
// Temporal. Values shorter than MIN_MASKED are left alone: masking "1" or "abc" would garble every log.
export const MIN_MASKED = 4;
export const MASK = '***';

export interface Masker {
  /** Whether there is anything to mask. */
  readonly active: boolean;
  text(text: string): string;
  /** Masks a log tail that was cut at its start: the cut may have left the end of a secret there. */
  tail(text: string): string;
  /** A JSON value with every string (and key) masked. */
  json<T>(value: T): T;
  /** Masks an error's message and stack, and its causes', in place (what Temporal and the step's row record). */
  error(err: unknown): void;
}

export function createMasker(values: Iterable<string>): Masker {
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length < MIN_MASKED) continue;
    // as written, inside a JSON string, and percent-encoded in a URL
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
  }
  // longer first, so that a value containing another is masked whole
  const sorted = [...forms].filter((f) => f.length >= MIN_MASKED).sort((a, b) => b.length - a.length);
  const text = (s: string) => {
    let out = s;
    for (const form of sorted) if (out.includes(form)) out = out.split(form).join(MASK);
    return out;
  };
  const json = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(json);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), json(v)]));
    return value;
  };
  return {
    active: sorted.length > 0,
    text,
    tail(s: string) {
      let out = text(s);
      for (const form of sorted)
        for (let n = form.length - 1; n >= 2; n--)
          if (out.startsWith(form.slice(-n))) {
            out = MASK + out.slice(n);
            break;
          }
      return out;
    },
    json: <T>(value: T) => json(value) as T,
    error(err: unknown) {
      const seen = new Set<unknown>();
      for (let e = err; e instanceof Error && !seen.has(e); e = e.cause) {
        seen.add(e);
        e.message = text(e.message);
        if (e.stack) e.stack = text(e.stack);
      }
    },
  };
}

/** Masks nothing: steps granted no secrets. */
export const NO_MASK: Masker = createMasker([]);
