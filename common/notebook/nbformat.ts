// The parts of Jupyter's notebook format (nbformat 4) Brewline reads and writes: the shapes of a notebook, its cells
// and their outputs, and the "multiline strings" nbformat keeps text in.
import { z } from 'zod';
import { formatCount, MAX_STEPS } from '../limits';

/** Any JSON value (a display's data, a cell's result). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A mime bundle: text types as lists of lines, JSON types (application/json, ...+json) as JSON. */
export type MimeBundle = Record<string, Json>;

export type NotebookOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string[] }
  | { output_type: 'display_data'; data: MimeBundle; metadata: Record<string, Json> }
  | { output_type: 'execute_result'; execution_count: number | null; data: MimeBundle; metadata: Record<string, Json> }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

export interface CodeCell {
  cell_type: 'code';
  id: string;
  metadata: Record<string, Json>;
  source: string[];
  execution_count: number | null;
  outputs: NotebookOutput[];
}

export interface MarkdownCell {
  cell_type: 'markdown';
  id: string;
  metadata: Record<string, Json>;
  source: string[];
}

/** A notebook as nbformat 4.5 writes it (cells have ids). */
export interface Notebook {
  nbformat: 4;
  nbformat_minor: 5;
  metadata: Record<string, Json>;
  cells: (CodeCell | MarkdownCell)[];
}

/** A text as nbformat keeps it: its lines, each with its "\n" but the last. */
export function linesOf(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

const multilineString = z.union([z.string(), z.array(z.string())], { error: 'must be a string or a list of strings' });
const metadataObject = z.record(z.string(), z.unknown(), { error: 'must be an object' });

/** What an imported notebook must be: nbformat 4, cells with a type and a source. Other fields are left alone. */
export const notebookReadSchema = z.object(
  {
    nbformat: z.literal(4, { error: 'must be 4 (Brewline reads nbformat 4 notebooks, as Jupyter writes them)' }),
    nbformat_minor: z.number().int().min(0).optional(),
    metadata: metadataObject.default({}),
    cells: z
      .array(
        z.object(
          {
            cell_type: z.enum(['code', 'markdown', 'raw'], { error: 'must be "code", "markdown" or "raw"' }),
            source: multilineString,
            metadata: metadataObject.default({}),
          },
          { error: 'must be a cell (an object with cell_type and source)' },
        ),
        { error: 'must be a list of cells' },
      )
      .max(MAX_STEPS, `must have at most ${formatCount(MAX_STEPS)} cells (MAX_STEPS: each cell is a step)`),
  },
  { error: 'must be a notebook (a JSON object with nbformat, metadata and cells)' },
);
export type NotebookInput = z.output<typeof notebookReadSchema>;
export type NotebookCellInput = NotebookInput['cells'][number];

/** A path in a notebook as jq and Python write it: cells[3].metadata.brewline.id. */
export function notebookPathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
