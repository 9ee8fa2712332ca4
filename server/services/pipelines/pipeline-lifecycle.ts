// Disabling, enabling and deleting pipelines, and editing a pipeline's schedules through new versions.
import type { ScheduleSpec } from '~/common/schedule-spec';
import { scheduleSpecSchema } from '~/common/schedule-spec';
import { pipelineSpecSchema } from '~/common/pipeline-spec';
import { AppError } from '~/server/errors';
import { setSchedulePaused } from '~/server/services/schedules/schedules';
import { removeTemporalSchedule, type ScheduleDeps } from '~/server/services/schedules/temporal-schedules';
import { pushPipeline, type RegisteredVersion } from './register-pipeline';

const DISABLED_NOTE = 'paused because the pipeline is disabled';

async function livePipeline(deps: ScheduleDeps, slug: string) {
  const pipeline = await deps.db.pipeline.findUnique({ where: { slug } });
  if (!pipeline || pipeline.deletedAt) throw AppError.notFound(`pipeline "${slug}"`);
  return pipeline;
}

/** No new runs; every schedule paused (an operator's earlier pause is left as it was). */
export async function disablePipeline(deps: ScheduleDeps, slug: string): Promise<void> {
  const pipeline = await livePipeline(deps, slug);
  await deps.db.pipeline.update({
    where: { id: pipeline.id },
    data: { disabledAt: pipeline.disabledAt ?? new Date() },
  });
  for (const s of await deps.db.schedule.findMany({ where: { pipelineId: pipeline.id, paused: false } }))
    await setSchedulePaused(deps, s.id, true, DISABLED_NOTE);
}

/** Runs allowed again; schedules paused by disabling resume. */
export async function enablePipeline(deps: ScheduleDeps, slug: string): Promise<void> {
  const pipeline = await livePipeline(deps, slug);
  await deps.db.pipeline.update({ where: { id: pipeline.id }, data: { disabledAt: null } });
  for (const s of await deps.db.schedule.findMany({
    where: { pipelineId: pipeline.id, paused: true, note: DISABLED_NOTE },
  }))
    await setSchedulePaused(deps, s.id, false, '');
}

/** Hides the pipeline and removes its schedules (from Temporal first); its runs and results stay. */
export async function deletePipeline(deps: ScheduleDeps, slug: string): Promise<void> {
  const pipeline = await livePipeline(deps, slug);
  const schedules = await deps.db.schedule.findMany({ where: { pipelineId: pipeline.id } });
  for (const s of schedules) await removeTemporalSchedule(deps, s.temporalScheduleId);
  await deps.db.$transaction([
    deps.db.schedule.deleteMany({ where: { pipelineId: pipeline.id } }),
    deps.db.pipeline.update({ where: { id: pipeline.id }, data: { deletedAt: new Date() } }),
  ]);
}

async function pushWithSchedules(
  deps: ScheduleDeps,
  slug: string,
  edit: (schedules: ScheduleSpec[]) => ScheduleSpec[],
): Promise<RegisteredVersion> {
  const pipeline = await livePipeline(deps, slug);
  const version = await deps.db.pipelineVersion.findUniqueOrThrow({
    where: { pipelineId_version: { pipelineId: pipeline.id, version: pipeline.latestVersion } },
  });
  const spec = pipelineSpecSchema.parse(version.spec);
  return pushPipeline(deps, { ...spec, schedules: edit(spec.schedules) });
}

/** Adds or replaces (by name) a schedule: a new version of the pipeline's spec. */
export async function upsertSchedule(deps: ScheduleDeps, slug: string, schedule: unknown): Promise<RegisteredVersion> {
  const parsed = scheduleSpecSchema.safeParse(schedule);
  if (!parsed.success)
    throw AppError.badRequest(
      'The schedule is invalid',
      parsed.error.issues.map((i) => ({ path: ['schedule', ...i.path.map(String)], message: i.message })),
    );
  return pushWithSchedules(deps, slug, (all) => [...all.filter((s) => s.name !== parsed.data.name), parsed.data]);
}

export async function removeSchedule(deps: ScheduleDeps, slug: string, name: string): Promise<RegisteredVersion> {
  return pushWithSchedules(deps, slug, (all) => {
    if (!all.some((s) => s.name === name)) throw AppError.notFound(`schedule ${name} of pipeline "${slug}"`);
    return all.filter((s) => s.name !== name);
  });
}
