// Runs started before a change to the workflows must go on under the new code: Temporal replays their recorded
// histories, and a different command sequence would stop them with a determinism error. These histories were
// recorded by test/fixtures/histories/record-*.ts, each from the workflow code of its time.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWorkflowBundle } from '~/workers/workflow-bundle';

const history = async (name: string) =>
  historyFromJSON(JSON.parse(await readFile(path.join(import.meta.dirname, '../fixtures/histories', name), 'utf8')));
const activitiesScheduled = (h: Awaited<ReturnType<typeof history>>) =>
  (h.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);

describe('runs in flight across a change to the workflows', () => {
  let workflowBundle: { code: string };
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    workflowBundle = await buildWorkflowBundle();
  });

  it('an item that checked its sensor through the CPU task queue replays, and its checks stay there', async () => {
    const old = await history('sensor-item-checks-on-task-queue.json');
    // recorded before sensor checks became local activities: each check was an activity task
    expect(activitiesScheduled(old)).toHaveLength(3);
    await expect(Worker.runReplayHistory({ workflowBundle }, old, 'replay-sensor-item')).resolves.toBeUndefined();
  });

  it('an item that checked its sensor with local activities replays', async () => {
    const current = await history('sensor-item-checks-local.json');
    // only the step itself is an activity task; the two checks are markers in the item's own history
    expect(activitiesScheduled(current)).toHaveLength(1);
    await expect(Worker.runReplayHistory({ workflowBundle }, current, 'replay-sensor-item')).resolves.toBeUndefined();
  });

  it('an item of a notebook (a python cell, then a shell cell that needs it) replays', async () => {
    // recorded when code cells came: each cell is one runStep activity, in the order of its needs
    const cells = await history('cell-item.json');
    expect(activitiesScheduled(cells)).toHaveLength(2);
    await expect(Worker.runReplayHistory({ workflowBundle }, cells, 'replay-cell-item')).resolves.toBeUndefined();
  });
});
