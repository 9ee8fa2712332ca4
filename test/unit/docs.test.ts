// The docs name only what exists: every npm script is in package.json, every environment variable is read somewhere
// in the source, and every relative link reaches a file (and a heading of it).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Doc {
  file: string;
  text: string;
}

const DOC_FILES = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const docs: Doc[] = DOC_FILES.map((file) => ({ file, text: readFileSync(file, 'utf8') }));

const scripts = new Set(Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).scripts as object));

// the programs' source: the .ts/.tsx/.mjs/.py files git knows or would add, not the docs and not the tests
const source = execFileSync(
  'git',
  ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '*.ts', '*.tsx', '*.mjs', '*.py'],
  { encoding: 'utf8' },
)
  .split('\0')
  .filter((f) => f && !f.startsWith('test/') && !f.startsWith('docs/') && existsSync(f))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

/** `npm run <script>`, `npm start`, `npm test`: the script each names. */
function scriptsNamed(text: string): string[] {
  return [...text.matchAll(/\bnpm (?:run ([\w:-]+)|(start|test)\b)/g)].map((m) => m[1] ?? m[2]!);
}

// Variable names: UPPER_SNAKE with at least one "_" (BREWLINE_DATA_DIR), a prefix written as NAME_*
// (BREWLINE_RUNNER_*), or one of the one-word variables the docs mention.
const ONE_WORD_VARIABLES = ['PORT', 'PATH', 'HOME', 'TZ', 'TMPDIR', 'LANG', 'DEBUG'];
const VARIABLE = new RegExp(
  `\\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)_\\*|\\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|${ONE_WORD_VARIABLES.join('|')})\\b`,
  'g',
);

/** The variables a text names; a prefix is given with its trailing "_" (BREWLINE_RUNNER_). */
function variablesNamed(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((m) => (m[1] !== undefined ? `${m[1]}_` : m[2]!));
}

function readInSource(name: string, code: string): boolean {
  return new RegExp(name.endsWith('_') ? `\\b${name}` : `\\b${name}\\b`).test(code);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as "-". */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));
}

/** Relative links (`[text](target)`) that reach no file, or no heading of a Markdown file. */
function brokenLinks(doc: Doc): string[] {
  const broken: string[] = [];
  for (const [, target] of doc.text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target!)) continue;
    const [file, anchor] = target!.split('#') as [string, string | undefined];
    const resolved = file ? path.join(path.dirname(doc.file), file) : doc.file;
    if (!existsSync(resolved)) broken.push(`${doc.file}: ${target} (no such file)`);
    else if (anchor && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor))
      broken.push(`${doc.file}: ${target} (no such heading)`);
  }
  return broken;
}

function problems(doc: Doc, code: string): string[] {
  return [
    ...scriptsNamed(doc.text)
      .filter((s) => !scripts.has(s))
      .map((s) => `${doc.file}: npm script "${s}" is not in package.json`),
    ...variablesNamed(doc.text)
      .filter((v) => !readInSource(v, code))
      .map((v) => `${doc.file}: ${v.endsWith('_') ? `${v}*` : v} is read nowhere in the source`),
    ...brokenLinks(doc),
  ];
}

describe('the docs', () => {
  it('name only npm scripts that package.json defines', () => {
    const named = docs.flatMap((d) => scriptsNamed(d.text).map((s) => `${d.file}: ${s}`));
    expect(named).toContain('README.md: setup');
    expect(named.filter((n) => !scripts.has(n.split(': ')[1]!))).toEqual([]);
  });

  it('name only environment variables that the source reads', () => {
    const named = docs.flatMap((d) => variablesNamed(d.text).map((v) => `${d.file}: ${v}`));
    expect(named).toContain('docs/configuration.md: DATABASE_URL');
    expect(named.filter((n) => !readInSource(n.split(': ')[1]!, source))).toEqual([]);
  });

  it('link only to files and headings that exist', () => {
    expect(docs.flatMap(brokenLinks)).toEqual([]);
  });

  it('are checked for real: a made-up script, variable, prefix, file and heading are each caught', () => {
    const made = {
      file: 'docs/made-up.md',
      text: [
        'Run `npm run deploy-everything` with `BREWLINE_NO_SUCH_SETTING=1` and `BREWLINE_NOTHING_*` set, or `PORT`;',
        'see [the spec](pipeline-spec.md#no-such-heading), [a plan](no-such-plan.md) and [the API](api.md#errors).',
      ].join('\n'),
    };
    expect(problems(made, source)).toEqual([
      'docs/made-up.md: npm script "deploy-everything" is not in package.json',
      'docs/made-up.md: BREWLINE_NO_SUCH_SETTING is read nowhere in the source',
      'docs/made-up.md: BREWLINE_NOTHING_* is read nowhere in the source',
      'docs/made-up.md: pipeline-spec.md#no-such-heading (no such heading)',
      'docs/made-up.md: no-such-plan.md (no such file)',
    ]);
  });
});
