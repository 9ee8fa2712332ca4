// Builtin steps of the cafe sample: load one dong's results into the cafe tables, and publish a run's load.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { modelLabel } from '~/common/model-ref';
import { cafesFile, descriptionsFile, embeddingsFile, input, representativeFile, summariesFile } from './cafe-files';
import { BadInputError, type Builtin } from './types';

/** Upserts a dong's cafes and replaces their images, descriptions, summary and embeddings, in one transaction. */
export const loadCafeResults: Builtin = async (ctx) => {
  const cafes = await input(ctx, 'cafes.json', cafesFile);
  const reps = await input(ctx, 'representative.json', representativeFile);
  const descs = await input(ctx, 'descriptions.json', descriptionsFile);
  const sums = await input(ctx, 'summaries.json', summariesFile);
  const embs = await input(ctx, 'embeddings.json', embeddingsFile);
  if (cafes.data.dong !== ctx.itemKey)
    throw new BadInputError(`cafes.json is for dong ${cafes.data.dong}, not ${ctx.itemKey}`);
  const by = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
  const repsBy = by(reps.data.cafes);
  const descsBy = by(descs.data.cafes);
  const sumsBy = by(sums.data.cafes);
  const embsBy = by(embs.data.cafes);
  const { runId } = ctx;
  const modelOf = (stepId: string) => (ctx.models[stepId] ? modelLabel(ctx.models[stepId]!) : null);

  await ctx.db.$transaction(
    async (tx) => {
      for (const cafe of cafes.data.cafes) {
        const row = await tx.cafe.upsert({
          where: { externalId: cafe.id },
          create: {
            externalId: cafe.id,
            dong: ctx.itemKey,
            name: cafe.name,
            address: cafe.address,
            runId,
            stepId: cafes.stepId,
          },
          update: {
            dong: ctx.itemKey,
            name: cafe.name,
            address: cafe.address,
            runId,
            stepId: cafes.stepId,
            disappearedAt: null,
          },
        });
        await tx.cafeImage.deleteMany({ where: { cafeId: row.id } });
        await tx.reviewSummary.deleteMany({ where: { cafeId: row.id } });
        await tx.embedding.deleteMany({ where: { cafeId: row.id } });

        const images = (repsBy.get(cafe.id)?.images ?? []).map((img) => ({
          id: randomUUID(),
          cafeId: row.id,
          rank: img.rank,
          uri: path.join(reps.dir, img.file),
          sourceUrl: img.sourceUrl,
          score: img.score,
          runId,
          stepId: reps.stepId,
          model: modelOf(reps.stepId),
        }));
        await tx.cafeImage.createMany({ data: images });
        const imageIdByRank = new Map(images.map((i) => [i.rank, i.id]));
        const descriptions = (descsBy.get(cafe.id)?.images ?? []).flatMap((d) => {
          const cafeImageId = imageIdByRank.get(d.rank);
          return cafeImageId
            ? [{ cafeImageId, text: d.text, runId, stepId: descs.stepId, model: modelOf(descs.stepId) }]
            : [];
        });
        await tx.imageDescription.createMany({ data: descriptions });
        const summary = sumsBy.get(cafe.id);
        if (summary)
          await tx.reviewSummary.create({
            data: {
              cafeId: row.id,
              text: summary.text,
              reviewCount: summary.reviewCount,
              runId,
              stepId: sums.stepId,
              model: modelOf(sums.stepId),
            },
          });
        const emb = embsBy.get(cafe.id);
        if (emb) {
          await tx.embedding.createMany({
            data: [
              ...emb.image.map((v) => ({
                cafeId: row.id,
                kind: 'image' as const,
                sourceRank: v.rank,
                dim: v.vector.length,
                vector: v.vector,
                runId,
                stepId: embs.stepId,
                model: modelOf(embs.stepId),
              })),
              {
                cafeId: row.id,
                kind: 'text' as const,
                sourceRank: 0,
                dim: emb.text.length,
                vector: emb.text,
                runId,
                stepId: embs.stepId,
                model: modelOf(embs.stepId),
              },
            ],
          });
        }
      }
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  ctx.log(`loaded ${cafes.data.cafes.length} cafes of ${ctx.itemKey}`);
};

/** Weekly refresh: replaces the review summaries of a dong's known cafes; cafes not loaded yet are reported. */
export const loadReviewSummaries: Builtin = async (ctx) => {
  const sums = await input(ctx, 'summaries.json', summariesFile);
  const known = await ctx.db.cafe.findMany({
    where: { externalId: { in: sums.data.cafes.map((c) => c.id) } },
    select: { id: true, externalId: true },
  });
  const idOf = new Map(known.map((c) => [c.externalId, c.id]));
  await ctx.db.$transaction(
    sums.data.cafes.flatMap((s) => {
      const cafeId = idOf.get(s.id);
      if (!cafeId) return [];
      const model = ctx.models[sums.stepId];
      const data = {
        text: s.text,
        reviewCount: s.reviewCount,
        runId: ctx.runId,
        stepId: sums.stepId,
        model: model ? modelLabel(model) : null,
      };
      return [
        ctx.db.reviewSummary.upsert({ where: { cafeId }, create: { cafeId, ...data }, update: data }),
        ctx.db.cafe.update({ where: { id: cafeId }, data: { updatedAt: new Date() } }),
      ];
    }),
  );
  const unknown = sums.data.cafes.filter((c) => !idOf.has(c.id)).map((c) => c.id);
  ctx.log(
    `refreshed ${known.length} review summaries of ${ctx.itemKey}` +
      `${unknown.length ? `; not loaded yet, skipped: ${unknown.join(', ')}` : ''}`,
  );
};

/**
 * Run-level finish of the cafe pipeline (dongs were loaded one by one as they finished): in every dong this run
 * loaded, cafes it did not find any more are marked disappeared, so the backend's changedSince sees them go.
 */
export const publishCafeResults: Builtin = async (ctx) => {
  const loaded = await ctx.db.itemRun.findMany({
    where: { runId: ctx.runId, status: 'succeeded' },
    select: { key: true },
  });
  const dongs = loaded.map((i) => i.key);
  const gone = await ctx.db.cafe.updateMany({
    where: { dong: { in: dongs }, runId: { not: ctx.runId }, disappearedAt: null },
    data: { disappearedAt: new Date() },
  });
  const total = await ctx.db.cafe.count({ where: { runId: ctx.runId } });
  ctx.log(
    `this run loaded ${total} cafes in ${dongs.length} dongs; ` +
      `${gone.count} cafes no longer found were marked disappeared`,
  );
};

export const cafeBuiltins: Record<string, Builtin> = {
  'cafe.load': loadCafeResults,
  'cafe.publish': publishCafeResults,
  'cafe.loadReviews': loadReviewSummaries,
};
