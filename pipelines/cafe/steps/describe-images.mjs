// Step 2 (gpu; stand-in for a VLM): a one-sentence description of each representative image.
//   node describe-images.mjs --in <representative step dir> --out <dir>
import path from 'node:path';
import { meanColour } from './lib/features.mjs';
import { flags, main, readJson, writeJson } from './lib/step.mjs';

function hueName([r, g, b]) {
  const max = Math.max(r, g, b), min = Math.min(r, g, b);
  if (max - min < 20) return max > 200 ? 'white' : max < 60 ? 'black' : 'grey';
  let h;
  if (max === r) h = ((g - b) / (max - min)) % 6;
  else if (max === g) h = (b - r) / (max - min) + 2;
  else h = (r - g) / (max - min) + 4;
  const deg = (h * 60 + 360) % 360;
  return ['red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink'][Math.floor(((deg + 15) % 360) / 45)];
}

function describe(rgb) {
  const brightness = (rgb[0] + rgb[1] + rgb[2]) / 3;
  const light = brightness > 170 ? 'bright, airy' : brightness > 90 ? 'softly lit' : 'dim, moody';
  const warmth = rgb[0] > rgb[2] + 20 ? 'warm' : rgb[2] > rgb[0] + 20 ? 'cool' : 'neutral';
  return `A ${light} photo in ${warmth} tones, mostly ${hueName(rgb)}.`;
}

await main(async () => {
  const args = flags(['in', 'out']);
  const { cafes } = readJson(path.join(args.in, 'representative.json'), 'representative images');
  const out = cafes.map((cafe) => ({
    id: cafe.id,
    images: cafe.images.map((img) => ({ rank: img.rank, text: describe(meanColour(path.join(args.in, img.file))) })),
  }));
  writeJson(path.join(args.out, 'descriptions.json'), { method: 'colour-caption', cafes: out });
  console.log(`described ${out.reduce((n, c) => n + c.images.length, 0)} images`);
});
