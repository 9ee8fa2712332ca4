// Step 4 (gpu; stand-in for SigLIP): one vector per representative image and one per cafe text, same space.
//   node embed.mjs --images <representative step dir> --texts <summary step dir> --out <dir> [--dim 64]
import path from 'node:path';
import { colourHistogram, hashText, projectHistogram } from './lib/features.mjs';
import { flags, main, readJson, writeJson } from './lib/step.mjs';

await main(async () => {
  const args = flags(['images', 'texts', 'out']);
  const dim = Number(args.dim ?? 64);
  const reps = readJson(path.join(args.images, 'representative.json'), 'representative images');
  const sums = readJson(path.join(args.texts, 'summaries.json'), 'review summaries');
  const textOf = new Map(sums.cafes.map((c) => [c.id, c.text]));
  const cafes = reps.cafes.map((cafe) => ({
    id: cafe.id,
    image: cafe.images.map((img) => ({ rank: img.rank, vector: projectHistogram(colourHistogram(path.join(args.images, img.file)), dim) })),
    text: hashText(textOf.get(cafe.id) ?? '', dim),
  }));
  writeJson(path.join(args.out, 'embeddings.json'), { method: 'hashed-features', dim, cafes });
  console.log(`embedded ${cafes.length} cafes in ${dim} dimensions`);
});
