// The weekly review refresh, per dong, a notebook of Python cells: crawl reviews → summarise → load the summaries
// into the team's results database. Text only, no image cells. The cells' code is in pipelines/cafe/cells/.
import type { PipelineSpecInput } from '~/common/pipeline-spec';
import { cellCode, dongsFileParam, gpuRetry, python, RESULTS_CONNECTION } from './cafe/shared';

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
  python,
  // Saturdays 02:00, Seoul time
  schedules: [{ name: 'weekly', cron: '0 2 * * 6', timezone: 'Asia/Seoul', overlap: 'skip', catchupWindow: '1m' }],
  steps: [
    {
      id: 'about',
      title: 'About',
      kind: 'markdown',
      markdown: [
        '# Cafe weekly review refresh',
        '',
        "Reviews change faster than cafes: every week each dong's reviews are crawled again and summarised, and",
        `the summaries replace those in the results database (\`${RESULTS_CONNECTION}\`). Cafes the monthly`,
        'pipeline has not loaded yet are skipped.',
      ].join('\n'),
    },
    {
      id: 'crawl-reviews',
      title: 'Crawl reviews',
      kind: 'python',
      queue: 'cpu',
      code: cellCode('crawl_reviews.py'),
    },
    {
      id: 'summarise-reviews',
      title: 'Review summary',
      kind: 'python',
      queue: 'gpu',
      needs: ['crawl-reviews'],
      model: { name: 'review-summariser', alias: 'production' },
      network: false, // the model answers over a socket; nothing else is fetched
      retry: gpuRetry,
      code: cellCode('summarise_reviews.py'),
    },
    {
      id: 'load-reviews',
      title: 'Load summaries',
      kind: 'python',
      queue: 'cpu',
      needs: ['summarise-reviews'],
      connection: RESULTS_CONNECTION,
      code: cellCode('load_reviews.py'),
    },
  ],
} satisfies PipelineSpecInput;

export default cafeWeeklyReviews;
