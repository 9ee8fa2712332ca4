// Weekly step 0 (cpu; stand-in for the review crawler): fetch a dong's latest reviews.
//   node crawl-reviews.mjs --source <crawl dir> --item <dong> --out <dir>
// Writes <out>/reviews.json in the crawl file's shape (cafes with reviews, no images).
import path from 'node:path';
import { checkCrawl, flags, main, readJson, writeJson } from './lib/step.mjs';

await main(async () => {
  const args = flags(['source', 'item', 'out']);
  const crawl = checkCrawl(readJson(path.join(args.source, `${args.item}.json`), 'crawl file'), args.item);
  const cafes = crawl.cafes.map((c) => ({ id: c.id, name: c.name, images: [], reviews: c.reviews }));
  writeJson(path.join(args.out, 'reviews.json'), { dong: args.item, crawledAt: new Date().toISOString(), cafes });
  console.log(`crawled ${cafes.reduce((n, c) => n + c.reviews.length, 0)} reviews of ${cafes.length} cafes`);
});
