// Plays the cafe recommendation backend: with an API token (results scope), syncs every dong's results
// incrementally and prints what it holds.
//   BREWLINE_URL=http://localhost:3000 BREWLINE_TOKEN=brw_... npx tsx examples/recsys-backend-sync.ts [--cursor <c>]
import { createBrewlineClient, describeError } from '~/client';
import type { CafeAppRouter } from '~/pipelines/cafe/api';

const url = process.env.BREWLINE_URL ?? 'http://localhost:3000';
const token = process.env.BREWLINE_TOKEN;
if (!token) {
  console.error('set BREWLINE_TOKEN to an API token with the results scope');
  process.exit(2);
}
// the cafe team's results API (pipelines/cafe/api.ts), mounted by the server beside its own
const brewline = createBrewlineClient<CafeAppRouter>({ url, token });

// the backend's own store, keyed by cafe id; a real one would upsert into its database
const cafes = new Map<string, { dong: string; images: number; embeddings: number; models: string[] }>();
let cursor = process.argv.includes('--cursor') ? process.argv[process.argv.indexOf('--cursor') + 1] : undefined;
let pages = 0;
try {
  for (;;) {
    const page = await brewline.results.changedSince.query({ cursor, limit: 50 });
    pages++;
    for (const c of page.cafes) {
      // a cafe the latest crawl of its dong no longer found leaves the recommendations
      if (c.disappeared) {
        cafes.delete(c.id);
        continue;
      }
      const models = new Set(
        [
          ...c.images.flatMap((i) => [i.lineage.model, i.description?.lineage.model]),
          ...c.embeddings.map((e) => e.lineage.model),
          c.reviewSummary?.lineage.model,
        ].filter((m): m is string => !!m),
      );
      cafes.set(c.id, {
        dong: c.dong,
        images: c.images.length,
        embeddings: c.embeddings.length,
        models: [...models].sort(),
      });
    }
    cursor = page.nextCursor ?? cursor;
    if (!page.hasMore) break;
  }
} catch (err) {
  console.error(describeError(err));
  process.exit(1);
}
const all = [...cafes.values()];
console.log(`pages ${pages}`);
console.log(`dongs ${new Set(all.map((c) => c.dong)).size}`);
console.log(`cafes ${all.length}`);
console.log(`images ${all.reduce((n, c) => n + c.images, 0)}`);
console.log(`embeddings ${all.reduce((n, c) => n + c.embeddings, 0)}`);
console.log(`models ${[...new Set(all.flatMap((c) => c.models))].sort().join(',')}`);
console.log(`cursor ${cursor ?? ''}`);
