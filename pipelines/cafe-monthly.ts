// The monthly cafe pipeline, streaming: the crawl runs alongside the items and drops each dong's crawl file as it
// finishes; each dong starts the moment its file lands (a sensor), then: download images → representative images
// → descriptions → review summary → embeddings → load (its results are visible at once); publish at the end.
import type { PipelineSpecInput } from '~/common/pipeline-spec';
import { dongsFileParam, gpuRetry, node } from './cafe/shared';

export const cafeMonthly = {
  slug: 'cafe-monthly',
  name: 'Cafe monthly refresh',
  description:
    'Crawled cafes of every Seoul dong: representative images, descriptions, review summaries and embeddings, ' +
    'loaded for the recommendation service.',
  tags: ['cafe', 'monthly', 'seoul'],
  owner: 'cafe-recsys',
  params: {
    sourceDir: {
      type: 'string',
      path: true,
      default: 'pipelines/cafe/sample/crawl',
      description: 'Where the (stand-in) crawler reads each dong from',
    },
    crawlDelayMs: { type: 'integer', default: 300, min: 0, max: 60_000, description: 'Stand-in crawl time per dong' },
    dongsFile: dongsFileParam,
    imagesPerCafe: {
      type: 'integer',
      default: 5,
      min: 1,
      max: 20,
      description: 'Representative images to keep per cafe',
    },
  },
  items: { source: 'file', path: '{params.dongsFile}' },
  maxInFlight: 50,
  // 03:00 on the 1st, Seoul time; one active run at a time; no catch-up of missed months
  schedules: [{ name: 'monthly', cron: '0 3 1 * *', timezone: 'Asia/Seoul', overlap: 'skip', catchupWindow: '1m' }],
  steps: [
    {
      id: 'crawl',
      title: 'Crawl',
      kind: 'command',
      queue: 'cpu',
      scope: 'alongside',
      timeouts: { startToCloseMs: 6 * 3_600_000, heartbeatMs: 60_000 },
      command: node(
        'crawl-dongs.mjs',
        '--source',
        '{params.sourceDir}',
        '--dongs',
        '{params.dongsFile}',
        '--out',
        '{runDir}/crawl',
        '--delay-ms',
        '{params.crawlDelayMs}',
      ),
    },
    {
      id: 'crawl-landed',
      title: 'Crawl landed',
      kind: 'sensor',
      sensor: {
        check: { type: 'file', path: '{runDir}/crawl/{item}.json' },
        pokeIntervalMs: 1_000,
        timeoutMs: 6 * 3_600_000,
        onTimeout: 'fail',
      },
    },
    {
      id: 'download-images',
      title: 'Download images',
      kind: 'command',
      queue: 'cpu',
      needs: ['crawl-landed'],
      command: node(
        'download-images.mjs',
        '--crawl',
        '{runDir}/crawl/{item}.json',
        '--item',
        '{item}',
        '--out',
        '{out}',
      ),
    },
    {
      id: 'representative-images',
      title: 'Representative images',
      kind: 'builtin',
      builtin: 'cafe.representativeImages',
      queue: 'gpu',
      needs: ['download-images'],
      retry: gpuRetry,
      model: { name: 'clip-representative', alias: 'production' },
      args: { count: '{params.imagesPerCafe}' },
    },
    {
      id: 'describe-images',
      title: 'Image descriptions',
      kind: 'builtin',
      builtin: 'cafe.describeImages',
      queue: 'gpu',
      needs: ['representative-images'],
      retry: gpuRetry,
      model: { name: 'vlm-captioner', alias: 'production' },
    },
    {
      id: 'summarise-reviews',
      title: 'Review summary',
      kind: 'builtin',
      builtin: 'cafe.summariseReviews',
      queue: 'gpu',
      needs: ['describe-images'],
      retry: gpuRetry,
      model: { name: 'review-summariser', alias: 'production' },
      args: { reviews: '{runDir}/crawl/{item}.json' },
    },
    {
      id: 'embed',
      title: 'Embeddings',
      kind: 'builtin',
      builtin: 'cafe.embed',
      queue: 'gpu',
      needs: ['summarise-reviews', 'representative-images'],
      retry: gpuRetry,
      model: { name: 'siglip', alias: 'production' },
    },
    {
      id: 'load',
      title: 'Load results',
      kind: 'builtin',
      builtin: 'cafe.load',
      queue: 'cpu',
      needs: ['embed', 'download-images', 'representative-images', 'describe-images', 'summarise-reviews'],
    },
    { id: 'publish', title: 'Publish', kind: 'builtin', builtin: 'cafe.publish', queue: 'cpu', scope: 'after' },
  ],
} satisfies PipelineSpecInput;

export default cafeMonthly;
