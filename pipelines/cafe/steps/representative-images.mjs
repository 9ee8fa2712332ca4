// Step 1 (gpu; stand-in for CLIP): pick a cafe's most representative images, the most central by colour.
//   node representative-images.mjs --in <download step dir> --out <dir> [--count 5]
// Writes <out>/representative.json and copies the chosen images to <out>/images/.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { colourHistogram, similarity } from './lib/features.mjs';
import { BadInput, flags, main, readJson, safeName, writeJson } from './lib/step.mjs';

await main(async () => {
  const args = flags(['in', 'out']);
  const count = Number(args.count ?? 5);
  const { cafes } = readJson(path.join(args.in, 'cafes.json'), 'download output');
  const out = [];
  for (const cafe of cafes) {
    const hists = cafe.images.map((img) => {
      try {
        return colourHistogram(path.join(args.in, img.file));
      } catch (e) {
        throw new BadInput(`image ${img.sourceUrl} of cafe ${cafe.id} is not a readable PNG: ${e.message}`);
      }
    });
    // centrality: mean similarity to the cafe's other images (a medoid ranking), ties broken by position
    const scored = cafe.images.map((img, i) => ({
      img,
      score: hists.length > 1 ? hists.reduce((s, h, j) => (i === j ? s : s + similarity(hists[i], h)), 0) / (hists.length - 1) : 1,
      i,
    }));
    scored.sort((a, b) => b.score - a.score || a.i - b.i);
    const dir = path.join('images', safeName(cafe.id));
    await mkdir(path.join(args.out, dir), { recursive: true });
    const images = [];
    for (const [rank, { img, score }] of scored.slice(0, count).entries()) {
      const file = path.join(dir, `${rank}.png`);
      await copyFile(path.join(args.in, img.file), path.join(args.out, file));
      images.push({ rank, file, sourceUrl: img.sourceUrl, score: Math.round(score * 1e6) / 1e6 });
    }
    out.push({ id: cafe.id, images });
  }
  writeJson(path.join(args.out, 'representative.json'), { method: 'colour-histogram-medoid', cafes: out });
  console.log(`picked representative images for ${out.length} cafes`);
});
