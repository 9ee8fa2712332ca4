// Generates the cafe sample: a crawl file per dong (cafes and reviews) and small PNG images. Deterministic.
//   node pipelines/cafe/sample/generate.mjs
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from './png.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CRAWL = path.join(HERE, 'crawl');
export const DONGS = [
  '역삼1동',
  '삼성1동',
  '서교동',
  '연남동',
  '망원1동',
  '합정동',
  '성수1가1동',
  '이태원1동',
  '청담동',
  '신사동',
  '익선동',
  '삼청동',
];

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = [
  'Moonlight',
  'Haneul',
  'Bean Theory',
  'Slow Pour',
  'Garden Table',
  'Oat & Honey',
  'Roastery 27',
  'Maru',
  'Paper Cup',
  'Blue Door',
  'Sunday Crema',
  'Dal',
];
const PRAISE = [
  'The latte art was beautiful and the beans tasted fresh.',
  'Quiet corner seats make it a good place to study.',
  'The croissants sell out early, so come before noon.',
  'Staff were friendly and the music was calm.',
  'Big windows and lots of natural light in the afternoon.',
  'The hand drip coffee had bright, fruity notes.',
  'Seats are a bit cramped on weekends.',
  'Great view of the street from the second floor.',
  'The cheesecake was rich but not too sweet.',
  'Prices are a little high for the portion size.',
  'Plenty of plugs for laptops near the wall.',
  'It gets crowded after lunch but the line moves fast.',
];

function image(rand, base, outlier) {
  const size = 16;
  const px = new Uint8Array(size * size * 3);
  const colour = outlier ? [rand() * 255, rand() * 255, rand() * 255] : base;
  for (let i = 0; i < size * size; i++)
    for (let k = 0; k < 3; k++) px[i * 3 + k] = Math.max(0, Math.min(255, Math.round(colour[k] + (rand() - 0.5) * 60)));
  return encodePng(size, size, px);
}

export function generate() {
  rmSync(CRAWL, { recursive: true, force: true });
  DONGS.forEach((dong, d) => {
    const rand = rng(1000 + d);
    const cafes = [];
    const cafeCount = 3 + (d % 3);
    for (let c = 0; c < cafeCount; c++) {
      const id = `kakao:${100000 + d * 100 + c}`;
      const base = [rand() * 255, rand() * 255, rand() * 255];
      const imageCount = 6 + Math.floor(rand() * 4);
      const images = [];
      for (let n = 0; n < imageCount; n++) {
        const rel = path.join('images', `d${d}`, `c${c}`, `${n}.png`);
        mkdirSync(path.join(CRAWL, path.dirname(rel)), { recursive: true });
        writeFileSync(path.join(CRAWL, rel), image(rand, base, n === imageCount - 1));
        images.push({ url: rel });
      }
      const reviews = Array.from({ length: 3 + Math.floor(rand() * 5) }, () => ({
        rating: 3 + Math.floor(rand() * 3),
        text: `${PRAISE[Math.floor(rand() * PRAISE.length)]} ${PRAISE[Math.floor(rand() * PRAISE.length)]}`,
      }));
      cafes.push({
        id,
        name: `${NAMES[(d + c) % NAMES.length]} ${dong}`,
        address: `서울 ${dong} ${10 + c}길 ${1 + d}`,
        images,
        reviews,
      });
    }
    writeFileSync(
      path.join(CRAWL, `${dong}.json`),
      `${JSON.stringify({ dong, crawledAt: '2026-11-01T00:00:00+09:00', cafes }, null, 1)}\n`,
    );
  });
  writeFileSync(path.join(HERE, 'dongs.json'), `${JSON.stringify(DONGS, null, 1)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generate();
  console.log(`wrote ${DONGS.length} dongs to ${path.relative(process.cwd(), CRAWL)}`);
}
