// A pipeline as a Jupyter notebook (.ipynb), both ways. Import: the cells become steps, top to bottom (code cells
// python, or shell under %%bash; Markdown cells notes), each with its settings from its metadata or a first-line
// "# brewline:" comment. Export: a version's steps as cells with their settings and a run's outputs, the steps that
// are not code kept whole in Markdown cells' metadata, so importing an exported notebook gives the same steps back.
import {
  isCodeKind,
  pipelineSpecProblems,
  pipelineSpecSchema,
  stepScopeSchema,
  stepSpecSchema,
  type PipelineSpec,
  type Problem,
  type SpecLimits,
  type StepSpec,
} from '../pipeline-spec';
import {
  type CodeCell,
  type Json,
  linesOf,
  type MarkdownCell,
  type Notebook,
  type NotebookCellInput,
  notebookReadSchema,
} from './nbformat';
import { type ImageLookup, notebookOutputs, type StepOutputs } from './outputs';
import { parseTagComment, TAG_COMMENT } from './tag-comment';

/** A cell's own fields in a step (its type and source say them), never settings. */
const CELL_FIELDS = ['kind', 'code', 'codeHash', 'markdown'];
/** Fields only other kinds of step have (those are kept whole in a Markdown cell's metadata). */
const OTHER_KINDS_FIELDS = ['command', 'builtin', 'args', 'sensor'];
/** A cell's settings (metadata.brewline of a code or Markdown cell): the step's fields but its kind and source. */
export const CELL_SETTINGS = Object.keys(stepSpecSchema.shape).filter(
  (k) => !CELL_FIELDS.includes(k) && !OTHER_KINDS_FIELDS.includes(k),
);
/** The pipeline's settings (the notebook's metadata.brewline): the spec's fields but its slug, name and steps. */
export const NOTEBOOK_SETTINGS = Object.keys(pipelineSpecSchema.shape).filter(
  (k) => !['slug', 'name', 'steps'].includes(k),
);
/** What an export notes of where a notebook came from; an import reads the name when the caller gives none. */
const EXPORT_NOTES = ['slug', 'name', 'version', 'run', 'item'];

/** The values a schema's fields take when a spec leaves them out (written out, they are only noise). */
function defaultsOf(shape: Record<string, { safeParse(value: unknown): { success: boolean; data?: unknown } }>) {
  const defaults = new Map<string, unknown>();
  for (const [key, field] of Object.entries(shape)) {
    const parsed = field.safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) defaults.set(key, parsed.data);
  }
  return defaults;
}
const STEP_DEFAULTS = defaultsOf(stepSpecSchema.shape);
const PIPELINE_DEFAULTS = defaultsOf(pipelineSpecSchema.shape);

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A value as JSON with object keys sorted: the same notebook whatever order the database kept them in. */
function canonical(value: unknown): Json {
  if (Array.isArray(value)) return value.map(canonical);
  if (isObject(value))
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => value[k] !== undefined)
        .map((k) => [k, canonical(value[k])]),
    );
  return value === undefined ? null : (value as Json);
}
const sameJson = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** The fields of an object that differ from their defaults, in `order`; `keep` are written even when default. */
function compact(
  value: Record<string, unknown>,
  order: string[],
  defaults: Map<string, unknown>,
  keep: string[] = [],
): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const key of order) {
    const v = value[key];
    if (v === undefined || (!keep.includes(key) && defaults.has(key) && sameJson(v, defaults.get(key)))) continue;
    out[key] = canonical(v);
  }
  return out;
}

/** Who the imported pipeline is: the caller names it (a notebook's own notes of its slug are not trusted). */
export interface NotebookBase {
  slug: string;
  name?: string;
  description?: string;
  /** The name when neither the caller nor the notebook gives one (the pipeline's own, when it exists); else slug. */
  defaultName?: string;
}

export type NotebookImport = { spec: PipelineSpec; problems: [] } | { spec: null; problems: Problem[] };

/** A step read from a cell, with what its problems' paths need to point back at the cell. */
interface CellStep {
  cell: number;
  step: Record<string, unknown>;
  /** Fields the cell's "# brewline:" comment set: their problems point at its source. */
  fromComment: Set<string>;
  /** Fields Brewline chose because nothing named them (a default id, needs chained to the previous step). */
  chosen: Set<string>;
  /** A whole step kept in a Markdown cell's metadata (a command, builtin, sensor or noop step). */
  kept: boolean;
  /** A default id taken from the cell's first comment or heading, if it has one. */
  titleId: string | null;
}

const sourceText = (cell: NotebookCellInput) => (typeof cell.source === 'string' ? cell.source : cell.source.join(''));

/** "## Load the data" -> "load-the-data": a step id (a letter first, at most 40 characters), or null. */
function idFromTitle(title: string): string | null {
  const id = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return id || null;
}

/** The first non-blank line, if it matches: a comment of a code cell, a heading of a Markdown cell. */
function firstLineTitle(text: string, pattern: RegExp): string | null {
  const first = text.split('\n').find((l) => l.trim());
  const match = first === undefined ? null : pattern.exec(first.trim());
  return match ? idFromTitle(match[1]!) : null;
}

function settingKeyProblems(settings: Record<string, unknown>, at: (string | number)[]): Problem[] {
  return Object.keys(settings)
    .filter((k) => !CELL_SETTINGS.includes(k))
    .map((k) => ({
      path: [...at, k],
      message: CELL_FIELDS.includes(k)
        ? "is the cell's own (its type and source say it), not a setting"
        : OTHER_KINDS_FIELDS.includes(k)
          ? `belongs to a ${k === 'args' ? 'builtin' : k} step: a Markdown cell keeps one whole, under "step"`
          : `is not a cell setting (known: ${CELL_SETTINGS.join(', ')})`,
    }));
}

function markdownCellStep(
  i: number,
  text: string,
  settings: Record<string, unknown>,
  problems: Problem[],
): CellStep | null {
  const at = ['cells', i, 'metadata', 'brewline'];
  if ('step' in settings) {
    const { step, ...others } = settings;
    const kind = isObject(step) ? step.kind : undefined;
    if (!isObject(step)) problems.push({ path: [...at, 'step'], message: 'must be a step spec (an object)' });
    else if (typeof kind !== 'string' || isCodeKind(kind) || kind === 'markdown')
      problems.push({
        path: [...at, 'step', 'kind'],
        message: 'must be command, builtin, sensor or noop (code and Markdown are cells of their own)',
      });
    for (const key of Object.keys(others))
      problems.push({ path: [...at, key], message: 'a cell that keeps a whole step holds only "step"' });
    if (!isObject(step)) return null;
    return { cell: i, step: { ...step }, fromComment: new Set(), chosen: new Set(), kept: true, titleId: null };
  }
  problems.push(...settingKeyProblems(settings, at));
  if (!text.trim() && !Object.keys(settings).length) return null;
  return {
    cell: i,
    step: { ...settings, kind: 'markdown', markdown: text },
    fromComment: new Set(),
    chosen: new Set(),
    kept: false,
    titleId: firstLineTitle(text, /^#{1,6}\s+(.+)$/),
  };
}

function codeCellStep(
  i: number,
  text: string,
  settings: Record<string, unknown>,
  problems: Problem[],
): CellStep | null {
  const source = ['cells', i, 'source'];
  let lines = linesOf(text);
  let kind = 'python';
  const first = (lines[0] ?? '').trim();
  if (/^%%(bash|sh)$/.test(first)) {
    kind = 'shell';
    lines = lines.slice(1);
  } else if (first.startsWith('%%')) {
    problems.push({
      path: source,
      message: `${first.split(/\s/)[0]} does not run here: a code cell is Python, or shell under %%bash or %%sh`,
    });
    return null;
  }
  const comment = TAG_COMMENT.exec((lines[0] ?? '').replace(/\r?\n$/, ''));
  const tag = comment ? parseTagComment(comment[1]!) : null;
  if (comment) lines = lines.slice(1);
  for (const message of tag?.problems ?? []) problems.push({ path: source, message });
  const { step: kept, ...named } = settings;
  if (kept !== undefined)
    problems.push({
      path: ['cells', i, 'metadata', 'brewline', 'step'],
      message: 'only a Markdown cell keeps a whole step: a code cell is its own step',
    });
  problems.push(...settingKeyProblems(named, ['cells', i, 'metadata', 'brewline']));
  const code = lines.join('');
  if (!tag && !Object.keys(settings).length && !code.trim()) return null;
  const step: Record<string, unknown> = { ...settings };
  // the comment wins: it is what a person sees and edits in Jupyter; retry and timeouts it sets in part
  for (const [field, value] of Object.entries(tag?.settings ?? {}))
    step[field] = isObject(value) && isObject(step[field]) ? { ...step[field], ...value } : value;
  return {
    cell: i,
    step: { ...step, kind, code },
    fromComment: new Set(tag?.fields ?? []),
    chosen: new Set<string>(),
    kept: false,
    titleId: firstLineTitle(code, /^#(?!!)\s*(.+)$/),
  };
}

/** Default ids: cell-1, cell-2... for code, md-1, md-2... for Markdown, or the cell's title; never one in use. */
function chooseIds(steps: CellStep[]) {
  const used = new Set(steps.flatMap((s) => (typeof s.step.id === 'string' ? [s.step.id] : [])));
  const counts = { code: 0, markdown: 0 };
  for (const s of steps) {
    const markdown = s.step.kind === 'markdown';
    if (!s.kept) counts[markdown ? 'markdown' : 'code']++;
    if (s.step.id !== undefined) continue;
    const base = s.titleId ?? (markdown ? `md-${counts.markdown}` : `cell-${counts.code}`);
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    s.step.id = id;
    s.chosen.add('id');
  }
}

const SCOPE_ORDER = { before: 0, item: 1, alongside: 1, after: 2 } as const;
const scopeOf = (step: Record<string, unknown>) => {
  const scope = stepScopeSchema.safeParse(step.scope ?? 'item');
  return scope.success ? scope.data : 'item';
};

/** A cell that names no needs runs after the step before it (the nearest one its scope may need): top to bottom. */
function chainNeeds(steps: CellStep[]) {
  const before: CellStep[] = [];
  for (const s of steps) {
    if (s.step.kind === 'markdown') continue;
    if (!s.kept && s.step.needs === undefined) {
      const scope = scopeOf(s.step);
      // item and alongside steps run side by side: neither may need the other
      const dep = before.findLast((d) => {
        const depScope = scopeOf(d.step);
        return typeof d.step.id === 'string' && (SCOPE_ORDER[depScope] < SCOPE_ORDER[scope] || depScope === scope);
      });
      s.step.needs = dep ? [dep.step.id] : [];
      s.chosen.add('needs');
    }
    before.push(s);
  }
}

/** Where in the notebook a problem of the spec lies: the cell (its source or its metadata), or its metadata. */
function notebookPathOf(path: (string | number)[], steps: CellStep[], base: NotebookBase): (string | number)[] {
  const [head, index, field, ...rest] = path;
  if (head === 'steps') {
    const s = typeof index === 'number' ? steps[index] : undefined;
    if (!s) return ['cells'];
    const cell = ['cells', s.cell];
    if (typeof field !== 'string') return cell;
    if (s.kept) return [...cell, 'metadata', 'brewline', 'step', field, ...rest];
    if (CELL_FIELDS.includes(field) || s.fromComment.has(field)) return [...cell, 'source'];
    if (s.chosen.has(field)) return cell;
    return [...cell, 'metadata', 'brewline', field, ...rest];
  }
  if (head === undefined || head === 'slug' || (head === 'name' && base.name !== undefined)) return path;
  if (head === 'description' && base.description !== undefined) return path;
  return ['metadata', 'brewline', ...path];
}

/**
 * The pipeline a notebook (nbformat 4 JSON) describes, or every problem at once with its place in the notebook
 * (cells[3].source, cells[2].metadata.brewline.queue). `limits` are the server's (its shortest schedule).
 */
export function pipelineFromNotebook(input: unknown, base: NotebookBase, limits: SpecLimits = {}): NotebookImport {
  const parsed = notebookReadSchema.safeParse(input);
  if (!parsed.success)
    return {
      spec: null,
      problems: parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: i.message,
      })),
    };
  const notebook = parsed.data;
  const problems: Problem[] = [];
  const notes = notebook.metadata.brewline ?? {};
  if (!isObject(notes))
    problems.push({ path: ['metadata', 'brewline'], message: "must be an object of the pipeline's settings" });
  const pipeline = isObject(notes) ? notes : {};
  for (const key of Object.keys(pipeline))
    if (!NOTEBOOK_SETTINGS.includes(key) && !EXPORT_NOTES.includes(key))
      problems.push({
        path: ['metadata', 'brewline', key],
        message: `is not a pipeline setting (known: ${NOTEBOOK_SETTINGS.join(', ')})`,
      });

  const steps: CellStep[] = [];
  notebook.cells.forEach((cell, i) => {
    const settings = cell.metadata.brewline ?? {};
    if (!isObject(settings)) {
      problems.push({
        path: ['cells', i, 'metadata', 'brewline'],
        message: "must be an object of the cell's settings",
      });
      return;
    }
    const text = sourceText(cell);
    const step =
      cell.cell_type === 'markdown'
        ? markdownCellStep(i, text, settings, problems)
        : cell.cell_type === 'code'
          ? codeCellStep(i, text, settings, problems)
          : null; // raw cells are left out
    if (step) steps.push(step);
  });
  // a cell that could not be read would make the rest misleading (a missing id, a broken chain): these come first
  if (problems.length) return { spec: null, problems };
  chooseIds(steps);
  chainNeeds(steps);

  const spec: Record<string, unknown> = {
    ...Object.fromEntries(NOTEBOOK_SETTINGS.filter((k) => k in pipeline).map((k) => [k, pipeline[k]])),
    slug: base.slug,
    name: base.name ?? (typeof pipeline.name === 'string' ? pipeline.name : (base.defaultName ?? base.slug)),
    ...(base.description !== undefined ? { description: base.description } : {}),
    steps: steps.map((s) => s.step),
  };
  if (spec.items === undefined) {
    // a notebook runs for one item unless it says otherwise: a list param "items", ["sample"] by default
    spec.items = { source: 'param', param: 'items' };
    const params = isObject(spec.params) ? spec.params : {};
    if (!('items' in params))
      spec.params = {
        ...params,
        items: { type: 'string[]', default: ['sample'], description: 'The items the notebook runs for' },
      };
  }
  const specProblems = pipelineSpecProblems(spec, limits);
  if (specProblems.length)
    return {
      spec: null,
      problems: specProblems.map((p) => ({ path: notebookPathOf(p.path, steps, base), message: p.message })),
    };
  return { spec: pipelineSpecSchema.parse(spec), problems: [] };
}

export interface NotebookOptions {
  /** The version exported, the run and item whose outputs it holds: noted in the notebook's metadata. */
  version?: number;
  runId?: string;
  item?: string;
  /** The bytes of the images cells displayed (files of their output folders). */
  image?: ImageLookup;
}

const STEP_ORDER = Object.keys(stepSpecSchema.shape);
const SCOPE_WORDS = {
  before: 'once, before the items',
  item: 'once per item',
  alongside: 'once, alongside the items',
  after: 'once, after every item',
} as const;

function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1_000 === 0) return `${ms / 1_000} s`;
  return `${ms} ms`;
}

const shellWord = (arg: string) => (/^[\w@%+=:,./{}-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
const fenced = (language: string, text: string) => {
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${fence}${language}\n${text}\n${fence}`;
};

function sensorCheckText(check: NonNullable<StepSpec['sensor']>['check']): string {
  switch (check.type) {
    case 'file':
      return `the file \`${check.path}\` exists.`;
    case 'http':
      return `\`${check.url}\` answers 2xx.`;
    case 's3':
      return `the object \`s3://${check.bucket}/${check.key}\` exists.`;
    case 'sql':
      return `this query on the connection \`${check.connection}\` returns a row:\n\n${fenced('sql', check.query)}`;
    default: {
      const unreachable: never = check;
      return JSON.stringify(unreachable);
    }
  }
}

/** What a step that is not code does, in Markdown: the notebook reads top to bottom. */
function describeStep(step: StepSpec, ran: StepOutputs | undefined): string {
  const needs = step.needs.length ? `, after ${step.needs.map((n) => `\`${n}\``).join(', ')}` : '';
  const model = step.model ? `, with the model \`${step.model.name}@${step.model.alias ?? step.model.version}\`` : '';
  const parts = [
    `### ${step.title ?? `Step \`${step.id}\``}`,
    `A ${step.kind} step (\`${step.id}\`): runs ${SCOPE_WORDS[step.scope]} on the ${step.queue} queue${needs}${model}.`,
  ];
  switch (step.kind) {
    case 'command':
      parts.push(fenced('sh', (step.command ?? []).map(shellWord).join(' ')));
      break;
    case 'builtin':
      parts.push(
        `Runs the builtin \`${step.builtin}\`.`,
        ...Object.entries(step.args).map(([name, value]) => `- \`${name}\`: \`${value}\``),
      );
      break;
    case 'sensor':
      if (step.sensor) {
        const { check, pokeIntervalMs, timeoutMs, onTimeout } = step.sensor;
        parts.push(
          `Waits until ${sensorCheckText(check)}`,
          `Checks every ${duration(pokeIntervalMs)}; after ${duration(timeoutMs)} it ${onTimeout}s the item.`,
        );
      }
      break;
    case 'noop':
      parts.push('Does nothing (a placeholder).');
      break;
    case 'python':
    case 'shell':
    case 'markdown':
      break;
    default: {
      const unreachable: never = step.kind;
      parts.push(`A ${String(unreachable)} step.`);
    }
  }
  if (ran?.error) parts.push(`**Failed:** ${ran.error.split('\n')[0]}`);
  else if (ran?.result !== undefined && ran.result !== null) {
    const json = JSON.stringify(ran.result, null, 2);
    parts.push('**Result:**', fenced('json', json.length > 2_000 ? `${json.slice(0, 2_000)}…` : json));
  } else if (ran) parts.push('**Succeeded.**');
  parts.push("_Brewline keeps this step in the cell's metadata (brewline.step); this text only describes it._");
  return parts.join('\n\n');
}

function cellOf(step: StepSpec, ran: StepOutputs | undefined, count: () => number, image?: ImageLookup) {
  if (isCodeKind(step.kind)) {
    if (step.code === undefined) throw new Error(`step "${step.id}" has no code inline (read the spec withCellCode)`);
    const executionCount = ran ? count() : null;
    const cell: CodeCell = {
      cell_type: 'code',
      id: step.id,
      metadata: { brewline: compact(step, CELL_SETTINGS, STEP_DEFAULTS, ['needs']) },
      source: linesOf(step.kind === 'shell' ? `%%bash\n${step.code}` : step.code),
      execution_count: executionCount,
      outputs: ran ? notebookOutputs(step.id, ran, executionCount, image) : [],
    };
    return cell;
  }
  const markdown: MarkdownCell =
    step.kind === 'markdown'
      ? {
          cell_type: 'markdown',
          id: step.id,
          metadata: { brewline: compact(step, CELL_SETTINGS, STEP_DEFAULTS) },
          source: linesOf(step.markdown ?? ''),
        }
      : {
          cell_type: 'markdown',
          id: step.id,
          metadata: { brewline: { step: compact(step, STEP_ORDER, STEP_DEFAULTS, ['kind', 'needs']) } },
          source: linesOf(describeStep(step, ran)),
        };
  return markdown;
}

/**
 * A version as a notebook (nbformat 4.5): a cell per step in order, with the outputs of one item of a run when
 * `outputs` has them (by step id). The spec's code cells must hold their code inline.
 */
export function notebookFromPipeline(
  spec: PipelineSpec,
  outputs: Record<string, StepOutputs> = {},
  options: NotebookOptions = {},
): Notebook {
  let executions = 0;
  const cells = spec.steps.map((step) =>
    cellOf(step, Object.hasOwn(outputs, step.id) ? outputs[step.id] : undefined, () => ++executions, options.image),
  );
  const notes: Record<string, Json> = { slug: spec.slug, name: spec.name };
  if (options.version !== undefined) notes.version = options.version;
  if (options.runId !== undefined) notes.run = options.runId;
  if (options.item !== undefined) notes.item = options.item;
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python', file_extension: '.py', mimetype: 'text/x-python' },
      brewline: { ...notes, ...compact(spec, NOTEBOOK_SETTINGS, PIPELINE_DEFAULTS, ['items']) },
    },
    cells,
  };
}
