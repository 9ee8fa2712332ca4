// The model registry: models, numbered versions, aliases that move (promote, roll back) with their history.
import { z } from 'zod';
import { INT4_MAX } from '~/common/limits';
import { modelCodeSchema } from '~/common/model-code';
import type { ModelRef, ResolvedModel } from '~/common/model-ref';
import { pinnedRequirementsSchema } from '~/common/pipeline-spec';
import type { Db } from '~/server/db';
import { AppError } from '~/server/errors';
import { codeHashOf } from '~/server/services/pipelines/cell-sources';

const name = z.string().regex(/^[a-z][a-z0-9._-]{0,99}$/, 'must be lower-case letters, digits, ".", "_", "-"');

export const registerModelVersionInput = z
  .object({
    name,
    task: z.string().min(1).max(100),
    description: z.string().max(2_000).optional(),
    artifactUri: z.string().min(1).max(2_000),
    framework: z.string().min(1).max(100),
    runtime: z.string().max(100).default(''),
    inputSchema: z.record(z.string(), z.unknown()).default({}),
    outputSchema: z.record(z.string(), z.unknown()).default({}),
    gpuMemoryMb: z.number().int().min(0).max(INT4_MAX).default(0),
    metrics: z.record(z.string(), z.number()).default({}),
    producedByRunId: z.string().optional(),
    /** The Python code that serves the weights (runners/model_host.py runs it); without it, runners/<framework>/. */
    code: modelCodeSchema.optional(),
    /** Pinned requirements the code runs with, on top of the runners' Python. */
    requirements: pinnedRequirementsSchema.default([]),
    /** Aliases to point at the new version, e.g. ["staging"]. */
    aliases: z.array(z.string().regex(/^[a-z][a-z0-9_-]{0,49}$/)).default([]),
  })
  .superRefine((v, ctx) => {
    // what a python runner can be given: a local path, file:// or s3://bucket/key (fetched by the worker)
    if (
      (v.runtime === 'python' || v.code) &&
      !/^(\/|file:\/\/\/|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.)/.test(v.artifactUri)
    )
      ctx.addIssue({
        code: 'custom',
        path: ['artifactUri'],
        message: 'must be an absolute path, a file:/// URI or s3://bucket/key for a python runner',
      });
    if (v.code && v.runtime !== '' && v.runtime !== 'python')
      ctx.addIssue({
        code: 'custom',
        path: ['runtime'],
        message: 'must be "python" (or left out) for a version with code',
      });
    if (!v.code && v.requirements.length)
      ctx.addIssue({
        code: 'custom',
        path: ['requirements'],
        message: 'are for model code: give the version its code',
      });
    if (!v.code && v.runtime === 'python' && !/^[a-z][a-z0-9_-]{0,62}$/.test(v.framework))
      ctx.addIssue({
        code: 'custom',
        path: ['framework'],
        message: 'must name a runner folder (runners/<framework>/runner.py): lower-case letters, digits, "_", "-"',
      });
  });

export const moveAliasInput = z.object({
  name,
  alias: z.string().regex(/^[a-z][a-z0-9_-]{0,49}$/, 'must be lower-case letters, digits, "_", "-"'),
  version: z.number().int().min(1).max(INT4_MAX),
  note: z.string().max(500).default(''),
});

/** A new numbered version (the model is created on its first version); optionally moves aliases to it. */
export async function registerModelVersion(db: Db, actor: string, input: z.input<typeof registerModelVersionInput>) {
  const { aliases, name: modelName, task, description, code, ...v } = registerModelVersionInput.parse(input);
  // the code's files are kept once each by content hash, as cells' code is
  const codeFiles = Object.fromEntries(
    Object.entries(code?.files ?? {}).map(([file, text]) => [file, codeHashOf(text)]),
  );
  const version = await db.$transaction(async (tx) => {
    if (code)
      await tx.cellSource.createMany({
        data: Object.values(code.files).map((text) => ({ hash: codeHashOf(text), code: text })),
        skipDuplicates: true,
      });
    const model = await tx.model.upsert({
      where: { name: modelName },
      create: { name: modelName, task, description: description ?? '' },
      update: description ? { description } : {},
    });
    if (model.task !== task)
      throw AppError.badRequest('The model version is invalid', [
        { path: ['task'], message: `model ${modelName} is a ${model.task} model` },
      ]);
    await tx.$executeRaw`SELECT 1 FROM "Model" WHERE id = ${model.id} FOR UPDATE`;
    const last = await tx.modelVersion.findFirst({ where: { modelId: model.id }, orderBy: { version: 'desc' } });
    const created = await tx.modelVersion.create({
      data: {
        ...v,
        ...(code && { runtime: 'python', entrypoint: code.entrypoint, codeFiles }),
        inputSchema: v.inputSchema as object,
        outputSchema: v.outputSchema as object,
        metrics: v.metrics as object,
        modelId: model.id,
        version: (last?.version ?? 0) + 1,
      },
    });
    for (const alias of aliases) await moveAliasTx(tx, model.id, alias, created, actor, 'registered');
    return created;
  });
  return { name: modelName, version: version.version };
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

async function moveAliasTx(
  tx: Tx,
  modelId: string,
  alias: string,
  to: { id: string; version: number },
  actor: string,
  note: string,
) {
  const current = await tx.modelAlias.findUnique({
    where: { modelId_name: { modelId, name: alias } },
    include: { version: true },
  });
  if (current?.versionId === to.id) return;
  await tx.modelAlias.upsert({
    where: { modelId_name: { modelId, name: alias } },
    create: { modelId, name: alias, versionId: to.id },
    update: { versionId: to.id },
  });
  await tx.modelAliasEvent.create({
    data: { modelId, alias, fromVersion: current?.version.version ?? null, toVersion: to.version, actor, note },
  });
}

/** Points an alias at a version (promote, or roll back to an earlier one); the move is kept in the history. */
export async function moveAlias(db: Db, actor: string, input: z.input<typeof moveAliasInput>) {
  const { name: modelName, alias, version, note } = moveAliasInput.parse(input);
  await db.$transaction(async (tx) => {
    const model = await tx.model.findUnique({ where: { name: modelName } });
    if (!model) throw AppError.notFound(`model ${modelName}`);
    const to = await tx.modelVersion.findUnique({ where: { modelId_version: { modelId: model.id, version } } });
    if (!to)
      throw AppError.badRequest('The alias move is invalid', [
        { path: ['version'], message: `model ${modelName} has no version ${version}` },
      ]);
    await moveAliasTx(tx, model.id, alias, to, actor, note);
  });
}

/** The versions the steps' model references point at now; every unknown name, alias or version is named. */
export async function resolveModels(
  db: Db,
  steps: { id: string; model?: ModelRef }[],
): Promise<Record<string, ResolvedModel>> {
  const out: Record<string, ResolvedModel> = {};
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [i, step] of steps.entries()) {
    const ref = step.model;
    if (!ref) continue;
    const model = await db.model.findUnique({ where: { name: ref.name } });
    const version = !model
      ? null
      : ref.alias
        ? (
            await db.modelAlias.findUnique({
              where: { modelId_name: { modelId: model.id, name: ref.alias } },
              include: { version: true },
            })
          )?.version
        : await db.modelVersion.findUnique({
            where: { modelId_version: { modelId: model.id, version: ref.version! } },
          });
    if (!version) {
      problems.push({
        path: ['steps', i, 'model'],
        message: !model
          ? `unknown model ${ref.name}`
          : ref.alias
            ? `model ${ref.name} has no alias ${ref.alias}`
            : `model ${ref.name} has no version ${ref.version}`,
      });
      continue;
    }
    out[step.id] = {
      name: ref.name,
      version: version.version,
      alias: ref.alias,
      artifactUri: version.artifactUri,
      framework: version.framework,
      runtime: version.runtime,
      gpuMemoryMb: version.gpuMemoryMb,
      ...(version.entrypoint && {
        code: { entrypoint: version.entrypoint, files: version.codeFiles as Record<string, string> },
        requirements: version.requirements,
      }),
    };
  }
  if (problems.length) throw AppError.badRequest('A model the pipeline uses cannot be resolved', problems);
  return out;
}
