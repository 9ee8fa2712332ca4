// What a code cell displays: tables, images, Vega-Lite charts, Markdown, JSON and text. The worker records them in
// StepRun.displays in the form the cell wrote them (RecordedDisplay); presenters hand the portal Displays, whose
// images carry the URL of the file they show. Pure: shared by the worker, the presenters and the portal.
import { z } from 'zod';

export const DISPLAY_KINDS = ['table', 'image', 'vega-lite', 'markdown', 'json', 'text'] as const;
export type DisplayKind = (typeof DISPLAY_KINDS)[number];

/** Rows a table display carries; its `shape` still tells the true size of the table it came from. */
export const DISPLAY_TABLE_MAX_ROWS = 100;

const count = z.number().int().min(0);
const pixels = z.number().int().min(1).max(100_000);

const tableDisplay = z
  .object({
    kind: z.literal('table'),
    columns: z.array(z.string()),
    rows: z.array(z.array(z.json())).max(DISPLAY_TABLE_MAX_ROWS),
    /** [rows, columns] of the whole table; absent: the rows and columns given are all of it. */
    shape: z.tuple([count, count]).optional(),
  })
  .superRefine((table, ctx) => {
    const width = table.columns.length;
    table.rows.forEach((row, i) => {
      if (row.length !== width)
        ctx.addIssue({ code: 'custom', path: ['rows', i], message: `has ${row.length} cells for ${width} columns` });
    });
    if (table.shape && (table.shape[0] < table.rows.length || table.shape[1] < width))
      ctx.addIssue({ code: 'custom', path: ['shape'], message: 'is smaller than the rows and columns given' });
  });

/** A path inside the step's output folder: relative, and never climbing out of it. */
const outputFile = z
  .string()
  .min(1)
  .max(1_024)
  .refine((f) => !f.startsWith('/') && !f.includes('\\') && !f.split('/').includes('..'), {
    message: "must be a path inside the cell's output folder",
  });

const imageFields = {
  kind: z.literal('image'),
  /** relative to the step's output folder (BREWLINE_OUTPUT_DIR), where the cell wrote it */
  file: outputFile,
  width: pixels.optional(),
  height: pixels.optional(),
};

const vegaLiteDisplay = z.object({ kind: z.literal('vega-lite'), spec: z.record(z.string(), z.json()) });
const markdownDisplay = z.object({ kind: z.literal('markdown'), text: z.string() });
const jsonDisplay = z.object({ kind: z.literal('json'), value: z.json() });
const textDisplay = z.object({ kind: z.literal('text'), text: z.string() });

/** A display as the cell wrote it (its event without "type") and as StepRun.displays keeps it. */
export const recordedDisplaySchema = z.discriminatedUnion('kind', [
  tableDisplay,
  z.object(imageFields),
  vegaLiteDisplay,
  markdownDisplay,
  jsonDisplay,
  textDisplay,
]);
export type RecordedDisplay = z.infer<typeof recordedDisplaySchema>;

/** A display as the portal shows it: an image carries the URL of its file (null when the file was not kept). */
export const displaySchema = z.discriminatedUnion('kind', [
  tableDisplay,
  z.object({ ...imageFields, url: z.string().nullable() }),
  vegaLiteDisplay,
  markdownDisplay,
  jsonDisplay,
  textDisplay,
]);
export type Display = z.infer<typeof displaySchema>;
export type TableDisplay = Extract<Display, { kind: 'table' }>;
export type ImageDisplay = Extract<Display, { kind: 'image' }>;

/**
 * A step attempt's stored displays, in order. One that does not read as a display (a worker of another version,
 * a hand-edited row) becomes a text display saying so, so the others still show and nothing is silently lost.
 */
export function readRecordedDisplays(stored: unknown): RecordedDisplay[] {
  if (stored === null || stored === undefined) return [];
  if (!Array.isArray(stored)) return [unreadable('the stored displays are not a list')];
  return stored.map((entry, i) => {
    const parsed = recordedDisplaySchema.safeParse(entry);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
    return unreadable(`display ${i + 1} could not be read${where}: ${issue?.message ?? 'invalid'}`);
  });
}

const unreadable = (why: string): RecordedDisplay => ({ kind: 'text', text: `[${why}]` });
