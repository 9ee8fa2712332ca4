// The pipeline spec: what a data scientist writes (pipelines/*.ts) and what a pipeline version stores.
import { RE2JS } from 're2js';
import { z } from 'zod';
import {
  DEFAULT_MIN_SCHEDULE_INTERVAL_S,
  formatBytes,
  formatCount,
  MAX_CELL_CODE_BYTES,
  MAX_MARKDOWN_LENGTH,
  MAX_PATH_LENGTH,
  MAX_PATTERN_LENGTH,
  MAX_REQUIREMENTS,
  MAX_SPEC_BYTES,
  MAX_STEPS,
  MAX_STRING_LENGTH,
  utf8Length,
} from './limits';
import { modelRefSchema } from './model-ref';
import { parsePlaceholder, placeholders } from './placeholders';
import { QUEUES } from './queues';
import { scheduleIntervalProblem, scheduleSpecSchema } from './schedule-spec';
import { secretNameSchema } from './secrets';

const STEP_ID = /^[a-z][a-z0-9-]{0,62}$/;
const PARAM_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,62}$/;

const TOO_LONG = `must be at most ${formatCount(MAX_STRING_LENGTH)} characters (MAX_STRING_LENGTH)`;
/** A string a step passes on (an argument, an env value, a check's target): bounded by MAX_STRING_LENGTH. */
const text = () => z.string().max(MAX_STRING_LENGTH, TOO_LONG);

/** A pinned requirement of a pipeline's Python environment: name, optional extras, "==" and an exact version. */
const PINNED_REQUIREMENT =
  /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?(?:\[[A-Za-z0-9._,-]{1,100}\])?==[A-Za-z0-9.+!-]{1,64}$/;

/** Pinned requirements of a Python environment (a pipeline's cells, a model version's code). */
export const pinnedRequirementsSchema = z
  .array(z.string().regex(PINNED_REQUIREMENT, 'must be pinned: "name==version" (extras allowed: name[x]==1.0)'))
  .max(MAX_REQUIREMENTS, `must have at most ${formatCount(MAX_REQUIREMENTS)} requirements (MAX_REQUIREMENTS)`);

/** The step kinds that run a program in the sandbox (and so may have secrets, a connection and a network). */
export const SANDBOXED_KINDS = ['command', 'python', 'shell'] as const;
/** The step kinds whose code the pipeline holds (a notebook's code cells). */
export const CODE_KINDS = ['python', 'shell'] as const;
export type CodeKind = (typeof CODE_KINDS)[number];
export const isCodeKind = (kind: string): kind is CodeKind => (CODE_KINDS as readonly string[]).includes(kind);
const isSandboxed = (kind: string) => (SANDBOXED_KINDS as readonly string[]).includes(kind);

export const stepIdSchema = z
  .string()
  .regex(STEP_ID, 'must be lower-case letters, digits and "-", starting with a letter');

export const retryPolicySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(100).default(3),
  initialIntervalMs: z.number().int().min(1).default(1_000),
  backoffCoefficient: z.number().min(1).max(10).default(2),
  maxIntervalMs: z.number().int().min(1).default(60_000),
});

export const stepTimeoutsSchema = z.strictObject({
  /** Longest a single attempt may run. */
  startToCloseMs: z.number().int().min(100).default(3_600_000),
  /** A silent worker is presumed dead after this long; the attempt is then retried elsewhere. */
  heartbeatMs: z.number().int().min(100).default(60_000),
});

export const sensorSpecSchema = z.strictObject({
  /** What to wait for: a file (the last path segment may use * and ?), an S3 object, an HTTP endpoint answering 2xx, or
   * a SQL query (on a postgres connection) returning a row; $1 is the item key. */
  check: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('file'), path: text().min(1) }),
    z.strictObject({ type: z.literal('http'), url: text().min(1) }),
    /** An object in S3-compatible storage (the worker's BREWLINE_S3_* settings); the key's last segment
     * may use * and ?. */
    z.strictObject({
      type: z.literal('s3'),
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
      key: text().min(1),
    }),
    z.strictObject({
      type: z.literal('sql'),
      query: text().min(1),
      /** A postgres connection (secrets.create); never a variable of the worker's environment. */
      connection: secretNameSchema,
    }),
  ]),
  /** Time between checks; nothing is held while waiting (a durable timer), and a signal checks at once. */
  pokeIntervalMs: z.number().int().min(100).default(60_000),
  timeoutMs: z.number().int().min(100).default(86_400_000),
  /** When the timeout passes: fail the item, or skip it (it ends "skipped" and counts as no failure). */
  onTimeout: z.enum(['fail', 'skip']).default('fail'),
});
export type SensorSpec = z.output<typeof sensorSpecSchema>;

/** before: once, before the fan-out; item: once per item; alongside: once, while the items run (a crawl feeding
 * them through sensors); after: once, after every item and every alongside step. */
export const stepScopeSchema = z.enum(['before', 'item', 'alongside', 'after']);

export const stepSpecSchema = z
  .strictObject({
    id: stepIdSchema,
    title: z.string().max(200).optional(),
    /** python / shell: a code cell (its `code`, run in the pipeline's Python environment, in the sandbox);
     * markdown: a note between cells (`markdown`; nothing runs); command: run an argv array; builtin: a step the
     * worker ships; sensor: wait for a condition; noop: does nothing (benchmarks). */
    kind: z.enum(['python', 'shell', 'markdown', 'command', 'builtin', 'sensor', 'noop']),
    queue: z.enum(QUEUES).default('cpu'),
    scope: stepScopeSchema.default('item'),
    needs: z.array(stepIdSchema).default([]),
    command: z.array(text().min(1)).min(1).optional(),
    /** A code cell's source. A stored version keeps it once, by its sha256 (`codeHash`), shared by every version
     * and run that has the same source. */
    code: z
      .string()
      .refine((c) => utf8Length(c) <= MAX_CELL_CODE_BYTES, {
        message: `must be at most ${formatBytes(MAX_CELL_CODE_BYTES)} (MAX_CELL_CODE_BYTES)`,
      })
      .optional(),
    codeHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be the sha256 of stored code (64 hex digits)')
      .optional(),
    /** A Markdown cell's text. */
    markdown: z
      .string()
      .max(MAX_MARKDOWN_LENGTH, `must be at most ${formatCount(MAX_MARKDOWN_LENGTH)} characters (MAX_MARKDOWN_LENGTH)`)
      .optional(),
    builtin: z.string().min(1).max(200).optional(),
    /** A builtin's arguments by name; values may use the command placeholders ({item}, {runDir}, {in.step}, ...). */
    args: z.record(z.string(), text()).default({}),
    env: z
      .record(z.string().regex(/^[A-Z_][A-Z0-9_]{0,254}$/, 'must be an upper-case variable name'), text())
      .default({}),
    /** Secrets a command receives: environment variable -> secret name (the worker decrypts them; masked in logs). */
    secrets: z
      .record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an upper-case variable name'), secretNameSchema)
      .optional(),
    /** A connection whose fields a command receives as BREWLINE_CONNECTION_* variables. */
    connection: secretNameSchema.optional(),
    /** A command's network in its sandbox: on by default (outbound only, never the worker's loopback); false: none. */
    network: z.boolean().optional(),
    /** The model this step runs, by alias (resolved when a run starts) or version. */
    model: modelRefSchema.optional(),
    sensor: sensorSpecSchema.optional(),
    retry: retryPolicySchema.default(retryPolicySchema.parse({})),
    timeouts: stepTimeoutsSchema.default(stepTimeoutsSchema.parse({})),
  })
  .superRefine((step, ctx) => {
    if (step.kind === 'command' && !step.command)
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'a command step needs a command (an argv array)' });
    if (isCodeKind(step.kind) && (step.code === undefined) === (step.codeHash === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['code'],
        message: `a ${step.kind} cell needs its code (one of code or codeHash)`,
      });
    if (!isCodeKind(step.kind))
      for (const field of ['code', 'codeHash'] as const)
        if (step[field] !== undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: 'only python and shell cells hold code' });
    if (step.kind === 'markdown' && step.markdown === undefined)
      ctx.addIssue({ code: 'custom', path: ['markdown'], message: 'a markdown cell needs its text (markdown)' });
    if (step.kind !== 'markdown' && step.markdown !== undefined)
      ctx.addIssue({ code: 'custom', path: ['markdown'], message: 'only markdown cells hold markdown' });
    if (step.kind === 'markdown' && step.needs.length)
      ctx.addIssue({ code: 'custom', path: ['needs'], message: 'a markdown cell runs nothing, so it needs nothing' });
    if (step.kind === 'builtin' && !step.builtin)
      ctx.addIssue({ code: 'custom', path: ['builtin'], message: 'a builtin step needs the builtin name' });
    for (const name of Object.keys(step.args))
      if (!/^[a-z][a-zA-Z0-9]{0,62}$/.test(name))
        ctx.addIssue({ code: 'custom', path: ['args', name], message: 'must be a camelCase name' });
    if (Object.keys(step.args).length && step.kind !== 'builtin')
      ctx.addIssue({
        code: 'custom',
        path: ['args'],
        message: 'only builtin steps take args (a command passes its own arguments)',
      });
    if (step.network !== undefined && !isSandboxed(step.kind))
      ctx.addIssue({
        code: 'custom',
        path: ['network'],
        message: 'only command steps and code cells run in a sandbox with a network',
      });
    for (const field of ['secrets', 'connection'] as const)
      if (step[field] !== undefined && !isSandboxed(step.kind))
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: 'only command steps and code cells are given secrets',
        });
    for (const name of Object.keys(step.secrets ?? {}))
      if (name in step.env)
        ctx.addIssue({ code: 'custom', path: ['secrets', name], message: 'is also set in env: name it once' });
    if (step.kind === 'sensor' && !step.sensor)
      ctx.addIssue({
        code: 'custom',
        path: ['sensor'],
        message: 'a sensor step needs a sensor (check, pokeIntervalMs, timeoutMs, onTimeout)',
      });
  });
export type StepSpec = z.output<typeof stepSpecSchema>;

export const paramSpecSchema = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean', 'string[]']),
  default: z.unknown().optional(),
  description: z.string().max(2_000).default(''),
  /** Constraints, checked on every trigger: bounds for numbers (and list lengths), choices and a pattern for
   * strings. */
  min: z.number().optional(),
  max: z.number().optional(),
  enum: z.array(text()).min(1).optional(),
  /** RE2 syntax (linear-time matching: no lookaround, no backreferences). */
  pattern: z
    .string()
    .max(MAX_PATTERN_LENGTH, `must be at most ${formatCount(MAX_PATTERN_LENGTH)} characters (MAX_PATTERN_LENGTH)`)
    .optional(),
  /** A string that names a file or folder: relative (no "..", no hidden part) or inside BREWLINE_STEP_SHARED_DIRS. */
  path: z.boolean().optional(),
  /** A string param may start with "-" (an option to the program that receives it) only when this is true. */
  allowLeadingDash: z.boolean().optional(),
});
export type ParamSpec = z.output<typeof paramSpecSchema>;

export const itemsSourceSchema = z.discriminatedUnion('source', [
  /** A JSON file holding an array of item keys; the path may use {params.x}. */
  z.strictObject({ source: z.literal('file'), path: z.string().min(1) }),
  /** A string[] param holding the item keys. */
  z.strictObject({ source: z.literal('param'), param: z.string().regex(PARAM_NAME) }),
  /** A JSON array file written by a run-level "before" step (e.g. the crawl's list of dongs). */
  z.strictObject({
    source: z.literal('step'),
    step: stepIdSchema,
    file: z
      .string()
      .regex(/^[\w.-][\w./-]*$/, 'must be a relative path')
      .refine((f) => !f.split('/').includes('..'), 'must stay inside the step output'),
  }),
]);
export type ItemsSource = z.output<typeof itemsSourceSchema>;

export const alertSpecSchema = z
  .strictObject({
    /** failure: the run failed or partially failed; success: it succeeded; deadline: still running at deadlineMs. */
    on: z.array(z.enum(['failure', 'success', 'deadline'])).min(1),
    /** webhook: the run as JSON; slack: a Slack-compatible incoming-webhook message. */
    type: z.enum(['webhook', 'slack']),
    /** Where to post it. Written here, readers below the editor role see only its origin: prefer a connection. */
    url: z
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')
      .optional(),
    /** A connection holding the address: a slack connection (its webhook URL) for slack, an http one (its base URL
     * and headers) for a webhook. */
    connection: secretNameSchema.optional(),
  })
  .refine((a) => (a.url === undefined) !== (a.connection === undefined), {
    message: 'needs a url or a connection (one of them)',
    path: ['url'],
  });
export type AlertSpec = z.output<typeof alertSpecSchema>;

export const pipelineSpecSchema = z
  .strictObject({
    slug: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be lower-case letters, digits and "-", 2 to 63 characters'),
    name: z.string().min(1).max(200),
    description: z.string().max(5_000).default(''),
    tags: z.array(z.string().min(1).max(50)).default([]),
    owner: z.string().max(200).optional(),
    params: z
      .record(z.string().regex(PARAM_NAME, 'must be a letter then letters, digits or "_"'), paramSpecSchema)
      .default({}),
    items: itemsSourceSchema,
    /** Items processed at the same time. */
    maxInFlight: z.number().int().min(1).max(2_000).default(50),
    steps: z
      .array(stepSpecSchema)
      .min(1)
      .max(MAX_STEPS, `must have at most ${formatCount(MAX_STEPS)} steps (MAX_STEPS)`),
    /** The Python environment the pipeline's code cells run in: pinned requirements ("name==version"), built
     * once per distinct set by the workers (uv, from PyPI) and shared by every run and version that has it. */
    python: z
      .strictObject({
        requirements: pinnedRequirementsSchema.default([]),
      })
      .optional(),
    schedules: z.array(scheduleSpecSchema).default([]),
    alerts: z.array(alertSpecSchema).default([]),
    /** A run still going this long after it started raises the "deadline" alerts. */
    deadlineMs: z.number().int().min(1_000).optional(),
    /** Retry failed items automatically: once every item has finished, wait delayMs, then re-run exactly the
     * failed ones from the step each failed at (as "retry failed items" does), up to `times` rounds. */
    retryFailedItems: z
      .strictObject({
        times: z.number().int().min(1).max(10),
        delayMs: z.number().int().min(0).max(86_400_000).default(60_000),
      })
      .optional(),
  })
  .superRefine((spec, ctx) => {
    for (const problem of stepGraphProblems(spec)) ctx.addIssue({ code: 'custom', ...problem });
    for (const [name, param] of Object.entries(spec.params)) {
      // zod runs this even when a field's own rule failed: only a pattern of the right type and size is compiled
      const pattern = typeof param.pattern === 'string' && param.pattern.length <= MAX_PATTERN_LENGTH;
      const patternProblem = pattern ? compilePattern(param.pattern!).problem : null;
      if (patternProblem) ctx.addIssue({ code: 'custom', path: ['params', name, 'pattern'], message: patternProblem });
      for (const flag of ['path', 'allowLeadingDash'] as const)
        if (param[flag] !== undefined && param.type !== 'string')
          ctx.addIssue({ code: 'custom', path: ['params', name, flag], message: 'only string params take it' });
      const problem = param.default !== undefined ? paramValueProblem(param, param.default) : null;
      if (problem)
        ctx.addIssue({
          code: 'custom',
          path: ['params', name, 'default'],
          message: paramTypeProblem(param, param.default) ? `does not match its type ${param.type}` : problem,
        });
    }
    const names = new Set<string>();
    spec.schedules.forEach((schedule, i) => {
      if (names.has(schedule.name))
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i, 'name'],
          message: `duplicate schedule name "${schedule.name}"`,
        });
      names.add(schedule.name);
      for (const name of Object.keys(schedule.params))
        if (!(name in spec.params))
          ctx.addIssue({
            code: 'custom',
            path: ['schedules', i, 'params', name],
            message: 'is not a param of this pipeline',
          });
    });
    if (spec.items.source === 'step') {
      const source = spec.steps.find((st) => st.id === (spec.items as { step: string }).step);
      if (!source)
        ctx.addIssue({ code: 'custom', path: ['items', 'step'], message: `unknown step "${spec.items.step}"` });
      else if (source.scope !== 'before')
        ctx.addIssue({
          code: 'custom',
          path: ['items', 'step'],
          message: `must name a run-level "before" step; "${source.id}" is ${source.scope}`,
        });
    }
    if (spec.items.source === 'file' && typeof spec.items.path === 'string')
      for (const name of placeholders(spec.items.path)) {
        const placeholder = parsePlaceholder(name);
        // a trigger chooses the file the worker reads: only a path param keeps it inside the worker's folders
        if (placeholder.kind !== 'params' || !spec.params[placeholder.name]?.path)
          ctx.addIssue({
            code: 'custom',
            path: ['items', 'path'],
            message: `{${name}} must name a path param (a string param with path: true)`,
          });
      }
    if (spec.items.source === 'param' && spec.params[spec.items.param]?.type !== 'string[]')
      ctx.addIssue({ code: 'custom', path: ['items', 'param'], message: `must name a string[] param` });
  });
export type PipelineSpec = z.output<typeof pipelineSpecSchema>;
export type PythonEnvironmentSpec = NonNullable<PipelineSpec['python']>;
/** The steps that run (a notebook's Markdown cells only document them). */
export const runnableSteps = <S extends { kind: string }>(steps: S[]): S[] =>
  steps.filter((s) => s.kind !== 'markdown');
export type PipelineSpecInput = z.input<typeof pipelineSpecSchema>;

export interface Problem {
  path: (string | number)[];
  message: string;
}

export interface SpecLimits {
  /** The shortest `every` of a schedule, in seconds (the server's BREWLINE_MIN_SCHEDULE_INTERVAL_S). */
  minScheduleIntervalS?: number;
}

/** Why a spec is too large to read, or null: checked before anything else looks at it. */
export function specSizeProblem(input: unknown): Problem | null {
  let json: string | undefined;
  try {
    json = JSON.stringify(input);
  } catch {
    return { path: [], message: 'the spec must be plain JSON (no cycles, no deeper nesting than JSON allows)' };
  }
  const bytes = json === undefined ? 0 : utf8Length(json);
  const limit = formatBytes(MAX_SPEC_BYTES);
  return bytes > MAX_SPEC_BYTES
    ? {
        path: [],
        message: `the spec is ${formatBytes(bytes)} as JSON, more than a spec may be (MAX_SPEC_BYTES: ${limit})`,
      }
    : null;
}

/**
 * Every problem of a spec at once. Zod skips the graph checks when a field is invalid, so they are also run
 * on a lenient reading of the steps: a cycle is reported together with a bad slug.
 */
export function pipelineSpecProblems(input: unknown, limits: SpecLimits = {}): Problem[] {
  const tooLarge = specSizeProblem(input);
  if (tooLarge) return [tooLarge];
  const raw = (input ?? {}) as { steps?: unknown; params?: unknown; schedules?: unknown };
  // the server's own minimum interval, which the schema (shared with specs already stored) does not know
  const minIntervalS = limits.minScheduleIntervalS ?? DEFAULT_MIN_SCHEDULE_INTERVAL_S;
  const intervalProblems: Problem[] = (Array.isArray(raw.schedules) ? raw.schedules : []).flatMap((schedule, i) => {
    const problem = scheduleIntervalProblem(schedule, minIntervalS);
    return problem ? [{ path: ['schedules', i, 'every'], message: problem }] : [];
  });
  const parsed = pipelineSpecSchema.safeParse(input);
  if (parsed.success) return intervalProblems;
  const problems: Problem[] = parsed.error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
    message: i.message,
  }));
  problems.push(...intervalProblems);
  // too many steps is reported alone: the graph of a hostile spec is not worth walking
  if (Array.isArray(raw.steps) && raw.steps.length <= MAX_STEPS) {
    const steps = raw.steps.map((s) => lenientStep(s));
    const params = raw.params && typeof raw.params === 'object' ? (raw.params as Record<string, ParamSpec>) : {};
    problems.push(...stepGraphProblems({ steps, params }));
  }
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path.join('.')}: ${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function lenientStep(s: unknown): StepSpec {
  const o = (s && typeof s === 'object' ? s : {}) as Record<string, unknown>;
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const scope = stepScopeSchema.safeParse(o.scope ?? 'item');
  return {
    id: typeof o.id === 'string' ? o.id : '',
    kind: typeof o.kind === 'string' ? o.kind : 'command',
    needs: strings(o.needs),
    scope: scope.success ? scope.data : 'item',
    command: Array.isArray(o.command) ? strings(o.command) : undefined,
    args: o.args && typeof o.args === 'object' && !Array.isArray(o.args) ? (o.args as Record<string, string>) : {},
    model: o.model && typeof o.model === 'object' ? o.model : undefined,
  } as StepSpec;
}

/** Graph problems: duplicate or unknown ids, scope rules, placeholders naming steps not needed, cycles. */
function stepGraphProblems(spec: { steps: StepSpec[]; params: Record<string, ParamSpec> }): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map<string, StepSpec>();
  spec.steps.forEach((step, i) => {
    if (byId.has(step.id)) problems.push({ path: ['steps', i, 'id'], message: `duplicate step id "${step.id}"` });
    else byId.set(step.id, step);
  });
  // item and alongside steps run at the same time: neither may need the other
  const scopeOrder = { before: 0, item: 1, alongside: 1, after: 2 } as const;
  spec.steps.forEach((step, i) => {
    step.needs.forEach((need, j) => {
      const dep = byId.get(need);
      if (!dep) problems.push({ path: ['steps', i, 'needs', j], message: `unknown step "${need}"` });
      else if (dep.kind === 'markdown')
        problems.push({ path: ['steps', i, 'needs', j], message: `"${need}" is a markdown cell: it has no output` });
      else if (
        scopeOrder[dep.scope] > scopeOrder[step.scope] ||
        (scopeOrder[dep.scope] === 1 && scopeOrder[step.scope] === 1 && dep.scope !== step.scope)
      )
        problems.push({
          path: ['steps', i, 'needs', j],
          message: `a ${step.scope} step cannot need the ${dep.scope} step "${need}"`,
        });
    });
    (step.command ?? []).forEach((arg, j) => {
      for (const name of placeholders(arg)) {
        const problem = placeholderProblem(name, step, spec.params);
        if (problem) problems.push({ path: ['steps', i, 'command', j], message: problem });
      }
    });
    for (const [name, value] of Object.entries(step.args ?? {})) {
      for (const placeholder of typeof value === 'string' ? placeholders(value) : []) {
        const problem = placeholderProblem(placeholder, step, spec.params);
        if (problem) problems.push({ path: ['steps', i, 'args', name], message: problem });
      }
    }
  });
  const cycle = findCycle(spec.steps);
  if (cycle) problems.push({ path: ['steps'], message: `the steps form a cycle: ${cycle.join(' -> ')}` });
  return problems;
}

/** Why a placeholder cannot be filled for this step (the grammar is common/placeholders.ts), or null. */
function placeholderProblem(name: string, step: StepSpec, params: Record<string, ParamSpec>): string | null {
  const placeholder = parsePlaceholder(name);
  // a step's output is checked against the needs first: {in.ghost.x} says that ghost is not needed
  if ((placeholder.kind === 'in' || placeholder.kind === 'unknown') && placeholder.step !== undefined) {
    if (!step.needs.includes(placeholder.step)) return `{${name}} names a step that "${step.id}" does not need`;
  }
  switch (placeholder.kind) {
    case 'unknown':
      return placeholder.problem;
    case 'item':
      return step.scope === 'item' ? null : '{item} is only available to item steps';
    case 'model':
      return step.model ? null : `{${name}} needs the step to name a model`;
    case 'params':
      return placeholder.name in params ? null : `{${name}} names an unknown param`;
    case 'in':
    case 'run':
    case 'out':
    case 'runDir':
    case 'attempt':
    case 'inputs':
    case 'result':
      return null;
    default: {
      const unreachable: never = placeholder;
      return `unknown placeholder ${JSON.stringify(unreachable)}`;
    }
  }
}

/** A cycle among the steps' needs, as ids (the first repeated at the end), or null. Iterative: a long chain of
 * needs must not exhaust the call stack. */
function findCycle(steps: StepSpec[]): string[] | null {
  const needs = new Map<string, string[]>();
  for (const s of steps) if (!needs.has(s.id)) needs.set(s.id, s.needs); // a duplicate id is reported on its own
  const state = new Map<string, 'visiting' | 'done'>();
  for (const s of steps) {
    if (state.has(s.id)) continue;
    // the path from s to the step being visited, each with the index of its next need to follow
    const path: { id: string; next: number }[] = [{ id: s.id, next: 0 }];
    state.set(s.id, 'visiting');
    while (path.length) {
      const top = path.at(-1)!;
      const dep = needs.get(top.id)![top.next++];
      if (dep === undefined) {
        state.set(top.id, 'done');
        path.pop();
      } else if (state.get(dep) === 'visiting') {
        const from = path.findIndex((p) => p.id === dep);
        return [...path.slice(from).map((p) => p.id), dep];
      } else if (!state.has(dep) && needs.has(dep)) {
        state.set(dep, 'visiting');
        path.push({ id: dep, next: 0 });
      }
    }
  }
  return null;
}

/**
 * Where a path param may point besides relative paths: the folders the admin shares with steps
 * (BREWLINE_STEP_SHARED_DIRS). Without them (the portal's form), absolute paths are left to the server to judge.
 */
export interface ParamRoots {
  sharedDirs: string[];
}

export function paramValueProblem(param: ParamSpec, value: unknown, roots?: ParamRoots): string | null {
  return paramTypeProblem(param, value) ?? paramConstraintProblem(param, value, roots);
}

function paramTypeProblem(param: ParamSpec, value: unknown): string | null {
  switch (param.type) {
    case 'string':
      return typeof value === 'string' ? null : 'must be a string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a number';
    case 'integer':
      return Number.isInteger(value) ? null : 'must be an integer';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? null : 'must be a list of strings';
    default: {
      const unreachable: never = param.type;
      return `unknown type ${String(unreachable)}`;
    }
  }
}

function paramConstraintProblem(param: ParamSpec, value: unknown, roots?: ParamRoots): string | null {
  if (typeof value === 'string' && value.length > MAX_STRING_LENGTH) return TOO_LONG;
  if (Array.isArray(value) && value.some((v) => typeof v === 'string' && v.length > MAX_STRING_LENGTH))
    return `entries ${TOO_LONG}`;
  if (typeof value === 'string' && param.type === 'string') {
    const problem = param.path ? pathValueProblem(value, roots) : null;
    if (problem) return problem;
    if (value.startsWith('-') && !param.allowLeadingDash)
      return 'must not start with "-" (a program would read it as an option; the spec may set allowLeadingDash)';
  }
  const size = typeof value === 'number' ? value : Array.isArray(value) ? value.length : null;
  const what = Array.isArray(value) ? 'have at least' : 'be at least';
  if (size !== null && param.min !== undefined && size < param.min)
    return `must ${what} ${param.min}${Array.isArray(value) ? ' entries' : ''}`;
  if (size !== null && param.max !== undefined && size > param.max)
    return (
      `must ${Array.isArray(value) ? 'have at most' : 'be at most'} ${param.max}` +
      `${Array.isArray(value) ? ' entries' : ''}`
    );
  if (typeof value === 'string' && param.enum && !param.enum.includes(value))
    return `must be one of ${param.enum.join(', ')}`;
  if (typeof value === 'string' && param.pattern && !compilePattern(param.pattern).re?.matches(value))
    return `must match ${param.pattern}`;
  return null;
}

/**
 * Why a path param's value may name a file outside the worker's folders, or null: it must be relative (resolved
 * against the worker's working directory) or lie inside a shared folder, without "..", hidden parts or a leading
 * "-".
 */
function pathValueProblem(value: string, roots?: ParamRoots): string | null {
  if (value.length === 0) return 'must not be empty';
  if (value.length > MAX_PATH_LENGTH) return `must be at most ${formatCount(MAX_PATH_LENGTH)} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this rejects
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return 'must not contain control characters or "\\"';
  if (value.startsWith('-')) return 'must not start with "-"';
  if (value.startsWith('~')) return 'must not start with "~" (nothing expands it)';
  const segments = value.split('/');
  if (segments.includes('..')) return 'must not contain ".." (it must stay inside the worker\'s folders)';
  if (segments.some((s) => s.startsWith('.') && s !== '.'))
    return 'must not name hidden files or folders (a part starting with ".": .env, .git, the data folder)';
  if (value.startsWith('/') && roots) {
    const inside = roots.sharedDirs.some((dir) => {
      const base = dir.replace(/\/+$/, '');
      return value === base || value.startsWith(`${base}/`);
    });
    if (!inside)
      return 'must be a relative path, or inside a folder the admin shares with steps (BREWLINE_STEP_SHARED_DIRS)';
  }
  return null;
}

const compiled = new Map<string, { re: RE2JS | null; problem: string | null }>();

/**
 * A param pattern compiled by RE2 (linear-time matching, on the server and in the browser alike: no pattern can
 * stall the event loop), or why it cannot be: invalid, or a construct RE2 leaves out (lookaround, backreferences).
 */
function compilePattern(pattern: string): { re: RE2JS | null; problem: string | null } {
  let entry = compiled.get(pattern);
  if (!entry) {
    try {
      entry = { re: RE2JS.compile(pattern), problem: null };
    } catch (e) {
      const why = e instanceof Error ? e.message.replace(/^error parsing regexp: /, '') : String(e);
      entry = {
        re: null,
        problem: `is not a regular expression RE2 accepts (no lookaround or backreferences): ${why}`,
      };
    }
    if (compiled.size >= 500) compiled.clear();
    compiled.set(pattern, entry);
  }
  return entry;
}

/** Defaults filled in, unknown and ill-typed params reported by name. The server passes its `roots`. */
export function resolveParams(
  spec: Pick<PipelineSpec, 'params'>,
  given: Record<string, unknown>,
  roots?: ParamRoots,
): { params: Record<string, unknown>; problems: Problem[] } {
  const problems: Problem[] = [];
  const params: Record<string, unknown> = {};
  for (const name of Object.keys(given))
    if (!(name in spec.params)) problems.push({ path: ['params', name], message: 'is not a param of this pipeline' });
  for (const [name, param] of Object.entries(spec.params)) {
    const value = given[name] ?? param.default;
    if (value === undefined) {
      problems.push({ path: ['params', name], message: 'is required' });
      continue;
    }
    const problem = paramValueProblem(param, value, roots);
    if (problem) problems.push({ path: ['params', name], message: problem });
    else params[name] = value;
  }
  return { params, problems };
}

/** Sort steps so each comes after those it needs (the spec is already known to be acyclic). */
export function stepsInOrder<T extends { id: string; needs: string[] }>(steps: T[]): T[] {
  const done = new Set<string>();
  const out: T[] = [];
  while (out.length < steps.length) {
    const before = out.length;
    for (const s of steps)
      if (!done.has(s.id) && s.needs.every((n) => done.has(n))) {
        done.add(s.id);
        out.push(s);
      }
    if (out.length === before) throw new Error('steps form a cycle');
  }
  return out;
}
