// Step 3 (gpu; stand-in for an LLM): an extractive summary of each cafe's reviews.
//   node summarise-reviews.mjs --crawl <crawl.json> --item <dong> --out <dir> [--sentences 2]
import path from 'node:path';
import { checkCrawl, flags, main, readJson, writeJson } from './lib/step.mjs';

const STOP = new Set('a an the and or but is are was were it its this that to of in on for with very so we i my our they at be have has had not too just really'.split(' '));

function summarise(reviews, keep) {
  const sentences = [...new Set(reviews.flatMap((r) => String(r?.text ?? '').split(/(?<=[.!?。])\s+/)).map((s) => s.trim()).filter(Boolean))];
  if (sentences.length === 0) return 'No reviews yet.';
  const words = (s) => (s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => !STOP.has(w));
  const freq = new Map();
  for (const s of sentences) for (const w of new Set(words(s))) freq.set(w, (freq.get(w) ?? 0) + 1);
  const scored = sentences.map((s, i) => {
    const ws = words(s);
    return { s, i, score: ws.reduce((n, w) => n + freq.get(w), 0) / Math.max(ws.length, 1) };
  });
  const chosen = [...scored].sort((a, b) => b.score - a.score || a.i - b.i).slice(0, keep).sort((a, b) => a.i - b.i);
  return chosen.map((c) => c.s).join(' ');
}

await main(async () => {
  const args = flags(['crawl', 'item', 'out']);
  const crawl = checkCrawl(readJson(args.crawl, 'crawl file'), args.item);
  const keep = Number(args.sentences ?? 2);
  const cafes = crawl.cafes.map((cafe) => ({ id: cafe.id, text: summarise(cafe.reviews, keep), reviewCount: cafe.reviews.length }));
  writeJson(path.join(args.out, 'summaries.json'), { method: 'extractive-frequency', cafes });
  console.log(`summarised reviews of ${cafes.length} cafes`);
});
