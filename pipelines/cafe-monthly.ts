// The monthly cafe pipeline, a notebook of Python cells, streaming: the crawl runs alongside the items and drops
// each dong's crawl file as it finishes; each dong starts the moment its file lands (a sensor), then: download
// images → representative images → descriptions → review summary → embeddings → load (its results are visible at
// once, in the team's results database); publish at the end. The cells' code is in pipelines/cafe/cells/.
import type { PipelineSpecInput } from '~/common/pipeline-spec';
import { cellCode, dongsFileParam, gpuRetry, python, RESULTS_CONNECTION } from './cafe/shared';

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
  python,
  // 03:00 on the 1st, Seoul time; one active run at a time; no catch-up of missed months
  schedules: [{ name: 'monthly', cron: '0 3 1 * *', timezone: 'Asia/Seoul', overlap: 'skip', catchupWindow: '1m' }],
  steps: [
    {
      id: 'about',
      title: 'About',
      kind: 'markdown',
      markdown: [
        '# Cafe monthly refresh',
        '',
        "Every Seoul dong's cafes, made ready for the recommendation service. The crawl runs alongside the dongs;",
        'each dong starts when its crawl file lands, and its results are in the results database when its **Load**',
        'cell ends. **Publish** runs once at the end and marks the cafes no longer found.',
        '',
        'The four model cells call `brewline.infer` on their model (`production` alias): CLIP picks the images',
        'that cover a cafe best, a captioner describes them, a text model summarises the reviews and SigLIP embeds',
        'images and summaries in one space.',
      ].join('\n'),
    },
    {
      id: 'crawl',
      title: 'Crawl',
      kind: 'python',
      queue: 'cpu',
      scope: 'alongside',
      timeouts: { startToCloseMs: 6 * 3_600_000, heartbeatMs: 60_000 },
      code: cellCode('crawl.py'),
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
      kind: 'python',
      queue: 'cpu',
      needs: ['crawl-landed'],
      code: cellCode('download_images.py'),
    },
    {
      id: 'representative-images',
      title: 'Representative images',
      kind: 'python',
      queue: 'gpu',
      needs: ['download-images'],
      retry: gpuRetry,
      model: { name: 'clip-representative', alias: 'production' },
      network: false, // the model answers over a socket; nothing else is fetched
      code: cellCode('representative_images.py'),
    },
    {
      id: 'describe-images',
      title: 'Image descriptions',
      kind: 'python',
      queue: 'gpu',
      needs: ['representative-images'],
      retry: gpuRetry,
      model: { name: 'vlm-captioner', alias: 'production' },
      network: false, // the model answers over a socket; nothing else is fetched
      code: cellCode('describe_images.py'),
    },
    {
      id: 'summarise-reviews',
      title: 'Review summary',
      kind: 'python',
      queue: 'gpu',
      needs: ['describe-images'],
      retry: gpuRetry,
      model: { name: 'review-summariser', alias: 'production' },
      network: false, // the model answers over a socket; nothing else is fetched
      code: cellCode('summarise_reviews.py'),
    },
    {
      id: 'embed',
      title: 'Embeddings',
      kind: 'python',
      queue: 'gpu',
      needs: ['summarise-reviews', 'representative-images'],
      retry: gpuRetry,
      model: { name: 'siglip', alias: 'production' },
      network: false, // the model answers over a socket; nothing else is fetched
      code: cellCode('embed.py'),
    },
    {
      id: 'where-results-go',
      title: 'Where the results go',
      kind: 'markdown',
      markdown: [
        '## Results',
        '',
        `**Load** and **Publish** write to the team's own database through the \`${RESULTS_CONNECTION}\``,
        'connection (its tables: `pipelines/cafe/results/migrations/`); the recommendation backend reads them',
        'through the `results.*` API (`pipelines/cafe/api.ts`), each row with the run, cell and model version',
        'behind it.',
      ].join('\n'),
    },
    {
      id: 'load',
      title: 'Load results',
      kind: 'python',
      queue: 'cpu',
      needs: ['embed', 'download-images', 'representative-images', 'describe-images', 'summarise-reviews'],
      connection: RESULTS_CONNECTION,
      code: cellCode('load.py'),
    },
    {
      id: 'publish',
      title: 'Publish',
      kind: 'python',
      queue: 'cpu',
      scope: 'after',
      connection: RESULTS_CONNECTION,
      code: cellCode('publish.py'),
    },
  ],
} satisfies PipelineSpecInput;

export default cafeMonthly;
