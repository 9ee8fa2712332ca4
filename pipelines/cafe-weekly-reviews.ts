// The weekly review refresh, per dong: crawl reviews → summarise → load the summaries. Text only, no image steps.
import type { PipelineSpecInput } from '~/common/pipeline-spec';
import { dongsFileParam, gpuRetry, node } from './cafe/shared';

export const cafeWeeklyReviews = {
  slug: 'cafe-weekly-reviews',
  name: 'Cafe weekly review refresh',
  description: "Re-crawls every dong's cafe reviews and refreshes their summaries.",
  tags: ['cafe', 'weekly', 'seoul', 'reviews'],
  owner: 'cafe-recsys',
  params: {
    crawlDir: {
      type: 'string',
      path: true,
      default: 'pipelines/cafe/sample/crawl',
      description: 'Where the review crawler reads from',
    },
    dongsFile: dongsFileParam,
  },
  items: { source: 'file', path: '{params.dongsFile}' },
  maxInFlight: 50,
  // Saturdays 02:00, Seoul time
  schedules: [{ name: 'weekly', cron: '0 2 * * 6', timezone: 'Asia/Seoul', overlap: 'skip', catchupWindow: '1m' }],
  steps: [
    {
      id: 'crawl-reviews',
      title: 'Crawl reviews',
      kind: 'command',
      queue: 'cpu',
      command: node('crawl-reviews.mjs', '--source', '{params.crawlDir}', '--item', '{item}', '--out', '{out}'),
    },
    {
      id: 'summarise-reviews',
      title: 'Review summary',
      kind: 'builtin',
      builtin: 'cafe.summariseReviews',
      queue: 'gpu',
      needs: ['crawl-reviews'],
      model: { name: 'review-summariser', alias: 'production' },
      retry: gpuRetry,
      args: { reviews: '{in.crawl-reviews}/reviews.json' },
    },
    {
      id: 'load-reviews',
      title: 'Load summaries',
      kind: 'builtin',
      builtin: 'cafe.loadReviews',
      queue: 'cpu',
      needs: ['summarise-reviews'],
    },
  ],
} satisfies PipelineSpecInput;

export default cafeWeeklyReviews;
