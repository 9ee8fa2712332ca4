// What a pipeline's steps are granted: checked when a spec is pushed (every name exists, of a fitting type), and
// decrypted by the worker when a step executes (only that step's, into its environment; never into a workflow
// payload). Values are returned with the strings to mask wherever the step's output is kept.
import {
  CONNECTION_NAME_ENV,
  CONNECTION_TYPE_ENV,
  CONNECTION_TYPES,
  CONNECTION_URL_ENV,
  type ConnectionType,
  postgresUrl,
  SECRET_TYPE_DEFS,
  type SecretType,
} from '~/common/secrets';
import type { Db } from '~/server/db';
import type { FieldProblem } from '~/server/errors';
import { decryptValues, keyId, SecretDecryptError } from './crypto';

/** The secrets a step names: what `secrets`, `connection` and a SQL sensor's `connection` ask for. */
interface StepGrants {
  secrets?: Record<string, string>;
  connection?: string;
  sensor?: { check: { type: string; connection?: string } };
}

/** An alert posting to a connection's address. */
interface AlertGrant {
  type: 'webhook' | 'slack';
  connection?: string;
}

interface Wanted {
  name: string;
  path: (string | number)[];
  /** The types that fit where it is named. */
  types: readonly SecretType[];
  what: string;
}

function wantedBy(spec: { steps: StepGrants[]; alerts?: AlertGrant[] }): Wanted[] {
  const wanted: Wanted[] = [];
  (spec.alerts ?? []).forEach((alert, i) => {
    if (alert.connection)
      wanted.push({
        name: alert.connection,
        path: ['alerts', i, 'connection'],
        types: [alert.type === 'slack' ? 'slack' : 'http'],
        what: alert.type === 'slack' ? 'a slack connection' : 'an http connection',
      });
  });
  spec.steps.forEach((step, i) => {
    for (const [variable, name] of Object.entries(step.secrets ?? {}))
      wanted.push({ name, path: ['steps', i, 'secrets', variable], types: ['secret'], what: 'a secret' });
    if (step.connection)
      wanted.push({
        name: step.connection,
        path: ['steps', i, 'connection'],
        types: CONNECTION_TYPES,
        what: 'a connection',
      });
    const check = step.sensor?.check;
    if (check?.type === 'sql' && check.connection)
      wanted.push({
        name: check.connection,
        path: ['steps', i, 'sensor', 'check', 'connection'],
        types: ['postgres'],
        what: 'a postgres connection',
      });
  });
  return wanted;
}

/** Names a spec's steps use that do not exist, or are of the wrong type: one problem per place, by its path. */
export async function grantProblems(
  db: Db,
  spec: { steps: StepGrants[]; alerts?: AlertGrant[] },
): Promise<FieldProblem[]> {
  const wanted = wantedBy(spec);
  if (!wanted.length) return [];
  const rows = await db.secret.findMany({
    where: { name: { in: [...new Set(wanted.map((w) => w.name))] } },
    select: { name: true, type: true },
  });
  const types = new Map(rows.map((r) => [r.name, r.type as SecretType]));
  const problems: FieldProblem[] = [];
  for (const w of wanted) {
    const type = types.get(w.name);
    if (type === undefined) problems.push({ path: w.path, message: `names no secret or connection: "${w.name}"` });
    else if (!w.types.includes(type))
      problems.push({ path: w.path, message: `must name ${w.what}; "${w.name}" is a ${type}` });
  }
  return problems;
}

/** Why a step's secrets cannot be given to it: a message safe for its run's error (never a value). */
export class GrantError extends Error {
  constructor(
    message: string,
    /** A spec or data problem no retry can mend (a missing secret); false: the worker's key is missing or wrong. */
    readonly badInput: boolean,
  ) {
    super(message);
  }
}

export interface ResolvedGrants {
  /** Variables for the step's environment. */
  env: Record<string, string>;
  /** Every secret value granted (and forms derived from them, such as a connection URL): to mask. */
  values: string[];
}

/** Decrypts a step's secrets and connection into its environment. */
export async function resolveStepGrants(db: Db, key: Buffer | undefined, step: StepGrants): Promise<ResolvedGrants> {
  const env: Record<string, string> = {};
  const values: string[] = [];
  const names = [...Object.values(step.secrets ?? {}), ...(step.connection ? [step.connection] : [])];
  if (!names.length) return { env, values };
  const rows = await loadDecrypted(db, key, names);
  for (const [variable, name] of Object.entries(step.secrets ?? {})) {
    const row = rows.get(name)!;
    if (row.type !== 'secret')
      throw new GrantError(`secrets.${variable}: "${name}" is a ${row.type}, not a secret`, true);
    const value = String(row.values.value);
    env[variable] = value;
    values.push(value);
  }
  if (step.connection) {
    const row = rows.get(step.connection)!;
    if (row.type === 'secret')
      throw new GrantError(`connection: "${step.connection}" is a secret, not a connection`, true);
    Object.assign(env, connectionEnv(step.connection, row.type, row.values));
    values.push(...secretStrings(row.type, row.values));
    if (row.type === 'postgres') values.push(env[CONNECTION_URL_ENV]!);
  }
  return { env, values };
}

/** A connection's fields (secret ones decrypted), checked to be of one of `types`: for the worker's own use. */
export async function resolveConnection(
  db: Db,
  key: Buffer | undefined,
  name: string,
  types: readonly ConnectionType[],
): Promise<{ type: ConnectionType; values: Record<string, unknown>; secrets: string[] }> {
  const row = (await loadDecrypted(db, key, [name])).get(name)!;
  if (!(types as readonly string[]).includes(row.type))
    throw new GrantError(`"${name}" is a ${row.type}; this needs a ${types.join(' or ')} connection`, true);
  return { type: row.type as ConnectionType, values: row.values, secrets: secretStrings(row.type, row.values) };
}

async function loadDecrypted(
  db: Db,
  key: Buffer | undefined,
  names: string[],
): Promise<Map<string, { type: SecretType; values: Record<string, unknown> }>> {
  const rows = await db.secret.findMany({ where: { name: { in: [...new Set(names)] } } });
  const byName = new Map(rows.map((r) => [r.name, r]));
  const missing = [...new Set(names)].filter((n) => !byName.has(n));
  if (missing.length)
    throw new GrantError(`no secret or connection named ${missing.map((n) => `"${n}"`).join(', ')}`, true);
  if (!key) throw new GrantError('the worker has no BREWLINE_SECRET_KEY to decrypt secrets with', false);
  const out = new Map<string, { type: SecretType; values: Record<string, unknown> }>();
  for (const row of rows) {
    if (row.keyId !== keyId(key))
      throw new GrantError(
        `"${row.name}" is encrypted under another key than the worker's BREWLINE_SECRET_KEY ` +
          '(re-key with npm run secrets:rekey)',
        false,
      );
    let secret: Record<string, unknown>;
    try {
      secret = decryptValues(key, row.id, row.ciphertext);
    } catch (err) {
      if (err instanceof SecretDecryptError) throw new GrantError(`"${row.name}": ${err.message}`, false);
      throw err;
    }
    out.set(row.name, { type: row.type as SecretType, values: { ...(row.fields as object), ...secret } });
  }
  return out;
}

/** The BREWLINE_CONNECTION_* variables of a connection (docs/pipeline-spec.md lists them by type). */
export function connectionEnv(name: string, type: SecretType, values: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = { [CONNECTION_NAME_ENV]: name, [CONNECTION_TYPE_ENV]: type };
  for (const field of SECRET_TYPE_DEFS[type].fields) {
    const value = values[field.name];
    if (!field.env || value === undefined || value === null) continue;
    env[field.env] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  if (type === 'postgres') env[CONNECTION_URL_ENV] = postgresUrl(values as Parameters<typeof postgresUrl>[0]);
  return env;
}

/** The strings of a connection's secret fields (each header's value, for headers). */
function secretStrings(type: SecretType, values: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const field of SECRET_TYPE_DEFS[type].fields) {
    const value = values[field.name];
    if (!field.secret || value === undefined || value === null) continue;
    if (typeof value === 'object') {
      out.push(JSON.stringify(value));
      // a header's value, and its credential alone ("Bearer <token>")
      for (const v of Object.values(value)) out.push(String(v), String(v).split(' ').at(-1)!);
    } else out.push(String(value));
  }
  return out;
}
