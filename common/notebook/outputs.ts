// A step's outputs in a run (its log, displays, result and error) as nbformat outputs: typed mime bundles that
// Jupyter, VS Code and GitHub render (a table as HTML, an image as PNG, a chart as Vega-Lite).
import { readRecordedDisplays, type RecordedDisplay } from '../displays';
import { type Json, linesOf, type MimeBundle, type NotebookOutput } from './nbformat';

/** What one step left in a run, for one item: as StepRun keeps it (its latest attempt). */
export interface StepOutputs {
  /** The cell's displays in order, as the worker stores them: [{ kind: 'table', ... }, ...]. */
  displays?: unknown[];
  log?: string;
  result?: unknown;
  error?: string;
}

/** An image's bytes for the notebook: base64 (or an SVG's text), or why they are not there. */
export type ImageBytes = { contentType: string; data: string } | { unavailable: string };

/** Looks up the file a cell displayed as an image (relative to its output folder). */
export type ImageLookup = (stepId: string, file: string) => ImageBytes | undefined;

/** A value as JSON (undefined and what JSON cannot hold become null). */
const asJson = (value: unknown): Json => (value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json));
const pretty = (value: unknown) => JSON.stringify(value, null, 2) ?? 'null';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

function tableBundle(table: Extract<RecordedDisplay, { kind: 'table' }>): MimeBundle {
  const columns = table.columns.map(cellText);
  const rows = table.rows.map((row) => row.map(cellText));
  const total = table.shape?.[0] ?? rows.length;
  const note = total > rows.length ? `showing ${rows.length} of ${total} rows` : '';
  const html = [
    '<table>',
    `<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((row) => `<tr>${row.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`),
    '</tbody>',
    '</table>',
    ...(note ? [`<p>${note}</p>`] : []),
  ].join('\n');
  // plain text: columns padded to their widest value (at most 40 characters)
  const clip = (v: string) => (v.length > 40 ? `${v.slice(0, 39)}…` : v);
  const widths = columns.map((c, i) => Math.max(clip(c).length, ...rows.map((r) => clip(r[i] ?? '').length)));
  const line = (cells: string[]) =>
    widths
      .map((w, i) => clip(cells[i] ?? '').padEnd(w))
      .join('  ')
      .trimEnd();
  const plain = [line(columns), ...rows.map(line), ...(note ? [note] : [])].join('\n');
  return { 'text/html': linesOf(html), 'text/plain': linesOf(plain) };
}

function imageOutput(
  stepId: string,
  image: Extract<RecordedDisplay, { kind: 'image' }>,
  lookup?: ImageLookup,
): NotebookOutput {
  const bytes = lookup?.(stepId, image.file) ?? { unavailable: 'not in the export' };
  if ('unavailable' in bytes)
    return {
      output_type: 'display_data',
      data: { 'text/plain': [`[image ${image.file}: ${bytes.unavailable}]`] },
      metadata: {},
    };
  const size: Record<string, Json> = {};
  if (image.width !== undefined) size.width = image.width;
  if (image.height !== undefined) size.height = image.height;
  return {
    output_type: 'display_data',
    data: { [bytes.contentType]: bytes.data, 'text/plain': [`<image ${image.file}>`] },
    metadata: Object.keys(size).length ? { [bytes.contentType]: size } : {},
  };
}

function displayOutput(stepId: string, display: RecordedDisplay, lookup?: ImageLookup): NotebookOutput {
  const data = (bundle: MimeBundle): NotebookOutput => ({ output_type: 'display_data', data: bundle, metadata: {} });
  switch (display.kind) {
    case 'table':
      return data(tableBundle(display));
    case 'image':
      return imageOutput(stepId, display, lookup);
    case 'vega-lite':
      return data({ 'application/vnd.vegalite.v5+json': asJson(display.spec), 'text/plain': ['<Vega-Lite chart>'] });
    case 'markdown':
      return data({ 'text/markdown': linesOf(display.text), 'text/plain': linesOf(display.text) });
    case 'json':
      return data({ 'application/json': asJson(display.value), 'text/plain': linesOf(pretty(display.value)) });
    case 'text':
      return data({ 'text/plain': linesOf(display.text) });
    default: {
      const unreachable: never = display;
      return data({ 'text/plain': linesOf(pretty(unreachable)) });
    }
  }
}

/** A step's outputs as nbformat outputs: its log, its displays in order, its result, then its error. */
export function notebookOutputs(
  stepId: string,
  outputs: StepOutputs,
  executionCount: number | null,
  lookup?: ImageLookup,
): NotebookOutput[] {
  const list: NotebookOutput[] = [];
  if (outputs.log) list.push({ output_type: 'stream', name: 'stdout', text: linesOf(outputs.log) });
  // a display that does not read as one says so (as in the portal), and the others still show
  for (const display of readRecordedDisplays(outputs.displays)) list.push(displayOutput(stepId, display, lookup));
  if (outputs.result !== undefined && outputs.result !== null)
    list.push({
      output_type: 'execute_result',
      execution_count: executionCount,
      data: { 'application/json': asJson(outputs.result), 'text/plain': linesOf(pretty(outputs.result)) },
      metadata: {},
    });
  if (outputs.error)
    list.push({
      output_type: 'error',
      ename: 'StepFailed',
      evalue: outputs.error.split('\n')[0]!,
      traceback: outputs.error.split('\n'),
    });
  return list;
}
