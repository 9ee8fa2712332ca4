// The placeholders of step commands and builtin args ({item}, {in.crawl.result.count}, ...): one grammar, read by
// the spec's validation (pipeline-spec.ts) and by the worker that fills them in, so the two cannot disagree.

/** Anything between braces that holds no brace: `{a:1}` in an inline script is a placeholder too (and unknown). */
const PLACEHOLDER = /\{([^{}]+)\}/g;

/** The worker's own values: the item, the run, the attempt and where the attempt reads and writes. */
export const WORKER_PLACEHOLDERS = ['item', 'run', 'out', 'runDir', 'attempt', 'inputs', 'result'] as const;
export type WorkerPlaceholder = (typeof WORKER_PLACEHOLDERS)[number];

const MODEL_FIELDS = ['uri', 'name', 'version'] as const;

export type Placeholder =
  | { kind: WorkerPlaceholder }
  /** {in.step}: the output directory of a needed step; {in.step.result[.a.b]}: its JSON result, or a field of it. */
  | { kind: 'in'; step: string; result?: string[] }
  /** {model.uri}, {model.name}, {model.version}: the model version the step runs. */
  | { kind: 'model'; field: (typeof MODEL_FIELDS)[number] }
  | { kind: 'params'; name: string }
  /** Not in the grammar; `step` is set when the name reads a step's output ({in.step.wrong}). */
  | { kind: 'unknown'; problem: string; step?: string };

/** The placeholder names in a text, in order ("{in.a}/{item}" -> ["in.a", "item"]). */
export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

export function parsePlaceholder(name: string): Placeholder {
  if ((WORKER_PLACEHOLDERS as readonly string[]).includes(name)) return { kind: name as WorkerPlaceholder };
  if (name.startsWith('model.')) {
    const field = MODEL_FIELDS.find((f) => name === `model.${f}`);
    return field ? { kind: 'model', field } : { kind: 'unknown', problem: `unknown placeholder {${name}}` };
  }
  if (name.startsWith('in.')) {
    const [step = '', field, ...path] = name.slice(3).split('.');
    if (field === undefined) return { kind: 'in', step };
    if (field === 'result' && !path.includes('')) return { kind: 'in', step, result: path };
    return {
      kind: 'unknown',
      step,
      problem: `unknown placeholder {${name}} (use {in.${step}} or {in.${step}.result[.field]})`,
    };
  }
  if (name.startsWith('params.')) return { kind: 'params', name: name.slice(7) };
  return { kind: 'unknown', problem: `unknown placeholder {${name}}` };
}

/**
 * The text with each placeholder replaced by the `value` of its parsed form, left to right in one pass: a value is
 * inserted as it is (a "{item}" or "$&" inside a value stays literal). A placeholder without a value
 * (undefined) goes to `missing`, which throws.
 */
export function fillPlaceholders(
  text: string,
  value: (placeholder: Placeholder) => string | undefined,
  missing: (name: string) => never,
): string {
  return text.replace(PLACEHOLDER, (_, name: string) => value(parsePlaceholder(name)) ?? missing(name));
}
