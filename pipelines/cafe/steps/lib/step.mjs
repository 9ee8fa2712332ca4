// Shared plumbing of the sample step programs: flags, JSON files, and the bad-input exit code (65).
import { readFileSync, writeFileSync } from 'node:fs';

export const EXIT_BAD_INPUT = 65;

export class BadInput extends Error {}

/** --name value pairs; every name listed in `required` must be present. */
export function flags(required) {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) fail(`bad argument ${argv[i]}`, 64);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const name of required) if (out[name] === undefined) fail(`missing --${name}`, 64);
  return out;
}

export function readJson(file, what) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BadInput(`${what} ${file} cannot be read: ${e.code ?? e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // the position only: the file may not be what it should be, and a step's errors are shown to every viewer
    const at = /at position (\d+)/.exec(e.message)?.[1];
    throw new BadInput(`${what} ${file} is malformed JSON${at ? ` (at position ${at})` : ''}`);
  }
}

export function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 1)}\n`);
}

export function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Runs a step's main; bad input exits 65 (not retried), anything else exits 1 (retried). */
export async function main(fn) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof BadInput) fail(e.message, EXIT_BAD_INPUT);
    fail(e?.stack ?? String(e), 1);
  }
}

/** The crawl file's shape; throws BadInput naming the first problem. */
export function checkCrawl(crawl, dong) {
  if (!crawl || typeof crawl !== 'object' || Array.isArray(crawl)) throw new BadInput('crawl file must hold an object');
  if (crawl.dong !== dong)
    throw new BadInput(`crawl file is for dong ${JSON.stringify(crawl.dong)}, not ${JSON.stringify(dong)}`);
  if (!Array.isArray(crawl.cafes)) throw new BadInput('crawl file: cafes must be a list');
  crawl.cafes.forEach((cafe, i) => {
    if (typeof cafe?.id !== 'string' || !cafe.id)
      throw new BadInput(`crawl file: cafes[${i}].id must be a non-empty string`);
    if (typeof cafe.name !== 'string') throw new BadInput(`crawl file: cafes[${i}].name must be a string`);
    if (!Array.isArray(cafe.images)) throw new BadInput(`crawl file: cafes[${i}].images must be a list`);
    if (!Array.isArray(cafe.reviews)) throw new BadInput(`crawl file: cafes[${i}].reviews must be a list`);
  });
  return crawl;
}

/** A cafe id as a directory name. */
export const safeName = (id) => id.replace(/[^\p{L}\p{N}_.-]/gu, '-');
