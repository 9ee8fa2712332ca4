// The code of a notebook's code cells, stored once by its sha256 (CellSource): a stored spec (a version's, a draft
// cell run's) names each cell's code by `codeHash`; readers that show or export code get it back inline.
import { createHash } from 'node:crypto';
import { isCodeKind, type PipelineSpec, type StepSpec } from '~/common/pipeline-spec';
import type { Db, Prisma } from '~/server/db';
import { AppError } from '~/server/errors';

export const codeHashOf = (code: string) => createHash('sha256').update(code, 'utf8').digest('hex');

type Client = Db | Prisma.TransactionClient;

/**
 * The spec as it is stored: each code cell's `code` is kept in CellSource and replaced by its `codeHash`. A cell
 * that names a `codeHash` (an exported spec pushed again) must name stored code.
 */
export async function storeCellSources(db: Client, spec: PipelineSpec): Promise<PipelineSpec> {
  const fresh = new Map<string, string>();
  const named = new Set<string>();
  const steps = spec.steps.map((step): StepSpec => {
    if (!isCodeKind(step.kind)) return step;
    if (step.code === undefined) {
      named.add(step.codeHash!);
      return step;
    }
    const hash = codeHashOf(step.code);
    fresh.set(hash, step.code);
    const { code: _code, ...rest } = step;
    return { ...rest, codeHash: hash };
  });
  if (fresh.size)
    await db.cellSource.createMany({
      data: [...fresh].map(([hash, code]) => ({ hash, code })),
      skipDuplicates: true,
    });
  const unknown = [...named].filter((h) => !fresh.has(h));
  if (unknown.length) {
    const found = new Set(
      (await db.cellSource.findMany({ where: { hash: { in: unknown } }, select: { hash: true } })).map((c) => c.hash),
    );
    const problems = spec.steps.flatMap((step, i) =>
      step.codeHash && !found.has(step.codeHash) && !fresh.has(step.codeHash)
        ? [{ path: ['steps', i, 'codeHash'], message: "names no stored code: send the cell's code instead" }]
        : [],
    );
    if (problems.length) throw AppError.badRequest('The pipeline spec is invalid', problems);
  }
  return { ...spec, steps };
}

/** The stored code of these hashes. */
export async function cellSources(db: Client, hashes: string[]): Promise<Map<string, string>> {
  if (!hashes.length) return new Map();
  const rows = await db.cellSource.findMany({ where: { hash: { in: [...new Set(hashes)] } } });
  return new Map(rows.map((r) => [r.hash, r.code]));
}

/** The spec with every code cell's code inline (as a person reads, edits and exports it); hashes are kept. */
export async function withCellCode<S extends { steps: StepSpec[] }>(db: Client, spec: S): Promise<S> {
  const hashes = spec.steps.flatMap((s) => (s.codeHash && s.code === undefined ? [s.codeHash] : []));
  if (!hashes.length) return spec;
  const code = await cellSources(db, hashes);
  return {
    ...spec,
    steps: spec.steps.map((s) => (s.codeHash && s.code === undefined ? { ...s, code: code.get(s.codeHash) ?? '' } : s)),
  };
}
