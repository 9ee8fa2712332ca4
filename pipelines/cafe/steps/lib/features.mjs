// Deterministic stand-in features: colour histograms of images, hashed bags of words of texts.
import { readFileSync } from 'node:fs';
import { decodePng } from './png.mjs';

const BINS = 4; // per channel: 64-bin RGB histogram

export function colourHistogram(file) {
  const { pixels } = decodePng(readFileSync(file));
  const hist = new Array(BINS ** 3).fill(0);
  const n = pixels.length / 3;
  for (let i = 0; i < pixels.length; i += 3) {
    const bin = ((pixels[i] * BINS) >> 8) * BINS * BINS + ((pixels[i + 1] * BINS) >> 8) * BINS + ((pixels[i + 2] * BINS) >> 8);
    hist[bin] += 1 / n;
  }
  return hist;
}

export function meanColour(file) {
  const { pixels } = decodePng(readFileSync(file));
  const sum = [0, 0, 0];
  for (let i = 0; i < pixels.length; i += 3) for (let k = 0; k < 3; k++) sum[k] += pixels[i + k];
  return sum.map((s) => s / (pixels.length / 3));
}

/** Histogram intersection: 1 for identical colour distributions. */
export function similarity(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.min(a[i], b[i]);
  return s;
}

function fnv1a(text, seed = 0x811c9dc5) {
  let h = seed >>> 0;
  for (const ch of text) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function normalise(v) {
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

/** Signed feature hashing of a text's words into `dim` dimensions. */
export function hashText(text, dim) {
  const v = new Array(dim).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const h = fnv1a(word);
    v[h % dim] += h & 0x80000000 ? -1 : 1;
  }
  return normalise(v);
}

/** A fixed random projection of a histogram into `dim` dimensions. */
export function projectHistogram(hist, dim) {
  const v = new Array(dim).fill(0);
  hist.forEach((x, i) => {
    for (let d = 0; d < dim; d++) v[d] += x * ((fnv1a(`${i}:${d}`) & 0xffff) / 0x8000 - 1);
  });
  return normalise(v);
}
