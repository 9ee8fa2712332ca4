// Run-level "alongside" step (cpu; stand-in for the crawler): crawls the dongs one after another and drops each
// dong's crawl file (and its images) into --out as soon as it is done, so that the dong can start at once.
//   node crawl-dongs.mjs --source <dir of crawled samples> --dongs <dongs.json> --out <dir> [--delay-ms 300]
// Files appear atomically (written aside, then renamed). With BREWLINE_URL and BREWLINE_TOKEN set, it also tells
// Brewline that the dong is ready (the item's sensor then checks at once instead of at its next poke).
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { flags, main, readJson } from './lib/step.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function signalReady(dong) {
  const { BREWLINE_URL: url, BREWLINE_TOKEN: token, BREWLINE_RUN_ID: runId } = process.env;
  if (!url || !token) return;
  await fetch(`${url}/api/trpc/runs.signalItem`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ json: { runId, itemKey: dong } }),
  }).catch((e) => console.error(`could not signal ${dong}: ${e.message}`));
}

await main(async () => {
  const args = flags(['source', 'dongs', 'out']);
  const delay = Number(args['delay-ms'] ?? 300);
  const dongs = readJson(args.dongs, 'dongs file');
  await mkdir(args.out, { recursive: true });
  for (const dong of dongs) {
    await sleep(delay);
    const text = await readFile(path.join(args.source, `${dong}.json`), 'utf8');
    let crawl = null;
    try {
      crawl = JSON.parse(text);
    } catch {
      console.error(`${dong}: the crawl came back malformed; passing it on as it is`);
    }
    for (const cafe of crawl?.cafes ?? []) {
      for (const image of cafe.images ?? []) {
        if (typeof image?.url !== 'string' || /^https?:/.test(image.url) || image.url.includes('..')) continue;
        await mkdir(path.dirname(path.join(args.out, image.url)), { recursive: true });
        await copyFile(path.join(args.source, image.url), path.join(args.out, image.url));
      }
    }
    const target = path.join(args.out, `${dong}.json`);
    await writeFile(`${target}.part`, text);
    await rename(`${target}.part`, target);
    console.log(`crawled ${dong}`);
    await signalReady(dong);
  }
});
