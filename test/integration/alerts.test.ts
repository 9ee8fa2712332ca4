// Alerts on failure, success and deadline, to webhooks and Slack-compatible receivers; deliveries retried and
// recorded; a failing receiver never fails the run.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testContext, type TestContext } from '../support/stack';

let t: TestContext;
let server: http.Server;
let base: string;
const received: { path: string; body: Record<string, unknown> }[] = [];
let flakyCalls = 0;
const api = () => t.api('editor');

beforeAll(async () => {
  // the receivers listen on this machine's loopback, which an admin must allow the platform to call
  t = await testContext({ BREWLINE_PUBLIC_URL: 'https://brewline.example.com', BREWLINE_EGRESS_ALLOW: '127.0.0.1' });
  await t.startWorkers();
  server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      // /flaky answers 500 twice, then 200; /down always 503
      const status = req.url === '/down' ? 503 : req.url === '/flaky' && ++flakyCalls <= 2 ? 500 : 200;
      if (status === 200) received.push({ path: req.url!, body: JSON.parse(data) });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.close();
  await t.close();
});

it('alerts a webhook and Slack on failure with a link to the run; retries and records deliveries; a dead receiver does \
not fail the run', async () => {
  await api().pipelines.push({
    spec: {
      slug: 'alerting',
      name: 'Alerting',
      params: { dongs: { type: 'string[]', default: ['good', 'bad'] } },
      items: { source: 'param', param: 'dongs' },
      steps: [
        {
          id: 'only',
          kind: 'command',
          command: ['node', '-e', 'process.exit(process.argv[1] === "bad" ? 65 : 0)', '{item}'],
        },
      ],
      alerts: [
        { on: ['failure'], type: 'webhook', url: `${base}/hook` },
        { on: ['failure', 'success'], type: 'slack', url: `${base}/flaky` },
        { on: ['failure'], type: 'webhook', url: `${base}/down` },
      ],
    },
  });
  const { runId } = await api().runs.trigger({ pipelineSlug: 'alerting', params: {} });
  expect((await t.waitForRun(runId)).status).toBe('partially_failed');
  for (
    let i = 0;
    i < 200 && (await t.db.alertDelivery.count({ where: { runId, status: { not: 'pending' } } })) < 3;
    i++
  )
    await new Promise((r) => setTimeout(r, 100));

  const hook = received.find((r) => r.path === '/hook')!;
  expect(hook.body).toMatchObject({
    event: 'failure',
    run: {
      id: runId,
      pipeline: 'alerting',
      status: 'partially_failed',
      counts: { total: 2, succeeded: 1, failed: 1 },
      url: `https://brewline.example.com/runs/${runId}`,
    },
  });
  const slack = received.find((r) => r.path === '/flaky')!;
  expect(slack.body.text).toContain(`<https://brewline.example.com/runs/${runId}|open the run>`);

  const deliveries = await t.db.alertDelivery.findMany({ where: { runId }, orderBy: { receiver: 'asc' } });
  expect(deliveries.map((d) => [d.receiver, d.status, d.attempts])).toEqual([
    [0, 'delivered', 1],
    [1, 'delivered', 3],
    [2, 'failed', 4],
  ]);
  expect(deliveries[2]!.lastError).toBe('HTTP 503');
  expect((await t.db.run.findUniqueOrThrow({ where: { id: runId } })).status).toBe('partially_failed');
});

it('raises the deadline alert while a run is still going, then the success alert', async () => {
  received.length = 0;
  await api().pipelines.push({
    spec: {
      slug: 'late',
      name: 'Late',
      params: { dongs: { type: 'string[]', default: ['a'] } },
      items: { source: 'param', param: 'dongs' },
      steps: [{ id: 'slow', kind: 'command', command: ['node', 'test/fixtures/steps/sleep.mjs', '--ms', '4000'] }],
      deadlineMs: 1_500,
      alerts: [{ on: ['deadline', 'success'], type: 'webhook', url: `${base}/late` }],
    },
  });
  const { runId } = await api().runs.trigger({ pipelineSlug: 'late', params: {} });
  const run = await t.waitForRun(runId);
  for (let i = 0; i < 50 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  expect(received.map((r) => (r.body as { event: string }).event)).toEqual(['deadline', 'success']);
  expect((received[0]!.body as { run: { status: string } }).run.status).toBe('running');
  const deadline = await t.db.alertDelivery.findUniqueOrThrow({
    where: { runId_event_receiver: { runId, event: 'deadline', receiver: 0 } },
  });
  expect(deadline.deliveredAt!.getTime()).toBeLessThan(run.endedAt!.getTime());
});
