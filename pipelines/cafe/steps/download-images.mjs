// Step 0 (cpu): fetch each cafe's images listed in the dong's crawl file.
//   node download-images.mjs --crawl <crawl.json> --item <dong> --out <dir>
// Writes <out>/cafes.json and <out>/images/<cafe>/<n>.png.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BadInput, checkCrawl, flags, main, readJson, safeName, writeJson } from './lib/step.mjs';

await main(async () => {
  const args = flags(['crawl', 'item', 'out']);
  const crawl = checkCrawl(readJson(args.crawl, 'crawl file'), args.item);
  const base = path.dirname(path.resolve(args.crawl));
  const cafes = [];
  for (const cafe of crawl.cafes) {
    const dir = path.join('images', safeName(cafe.id));
    await mkdir(path.join(args.out, dir), { recursive: true });
    const images = [];
    for (const [n, image] of cafe.images.entries()) {
      const url = String(image?.url ?? '');
      const file = path.join(dir, `${n}.png`);
      const target = path.join(args.out, file);
      if (/^https?:\/\//.test(url)) {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
        await writeFile(target, Buffer.from(await res.arrayBuffer()));
      } else {
        const source = path.resolve(base, url.replace(/^file:\/\//, ''));
        if (!source.startsWith(base + path.sep))
          throw new BadInput(`image url ${url} of cafe ${cafe.id} points outside the crawl directory`);
        await copyFile(source, target).catch((e) => {
          throw new BadInput(`image ${url} of cafe ${cafe.id} is missing (${e.code})`);
        });
      }
      images.push({ file, sourceUrl: url });
    }
    cafes.push({ id: cafe.id, name: cafe.name, address: cafe.address ?? '', images });
  }
  writeJson(path.join(args.out, 'cafes.json'), { dong: args.item, cafes });
  console.log(`downloaded ${cafes.reduce((n, c) => n + c.images.length, 0)} images of ${cafes.length} cafes`);
});
