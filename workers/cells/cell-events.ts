// What a code cell reports besides its log and result: displays (tables, images, charts, Markdown, JSON, text) and
// metrics, as JSON lines it appends to its events file (BREWLINE_EVENTS_FILE; cells/python/brewline writes them,
// a shell cell echoes them). Read while the cell runs (the notebook shows them as they come) and once it ended.
// A cell is untrusted: every line is bounded and checked, and what breaks the rules is reported, not stored.
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { type RecordedDisplay, recordedDisplaySchema } from '~/common/displays';
import { MiB } from '~/common/limits';

export const MAX_EVENT_BYTES = 1 * MiB;
export const MAX_EVENTS = 500;
/** All of an attempt's displays together, as stored in its row. */
export const MAX_DISPLAYS_BYTES = 4 * MiB;

const metricEvent = z.strictObject({
  type: z.literal('metric'),
  name: z.string().min(1).max(200),
  value: z.number().finite(),
  step: z.number().int().min(-2_147_483_648).max(2_147_483_647).nullish(),
});

export interface Metric {
  name: string;
  value: number;
  step?: number;
}

/** The events read so far from one attempt's events file; `read()` picks up what the cell appended since. */
export class CellEvents {
  readonly displays: RecordedDisplay[] = [];
  readonly metrics: Metric[] = [];
  /** Lines that broke the rules, said in the step's log once the cell has ended. */
  readonly problems: string[] = [];
  private offset = 0;
  private partial = '';
  private lines = 0;
  private displayBytes = 0;
  private reading: Promise<boolean> | undefined;

  constructor(private readonly file: string) {}

  /** Reads what was appended since the last read; true when anything new was taken. */
  read(): Promise<boolean> {
    this.reading ??= this.readNew().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readNew(): Promise<boolean> {
    const handle = await open(this.file, 'r').catch(() => null);
    if (!handle) return false;
    let taken = false;
    try {
      const chunk = Buffer.alloc(256 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.partial += chunk.subarray(0, bytesRead).toString('utf8');
        const lines = this.partial.split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) if (this.take(line)) taken = true;
        if (Buffer.byteLength(this.partial) > MAX_EVENT_BYTES) {
          this.problem(`an event line is longer than ${MAX_EVENT_BYTES} bytes; it was dropped`);
          this.partial = '';
        }
      }
    } finally {
      await handle.close();
    }
    return taken;
  }

  /** The end of the cell: a last line without its newline counts too. */
  async finish(): Promise<void> {
    await this.read();
    if (this.partial.trim()) this.take(this.partial);
    this.partial = '';
  }

  private take(line: string): boolean {
    if (!line.trim()) return false;
    if (++this.lines > MAX_EVENTS) {
      if (this.lines === MAX_EVENTS + 1) this.problem(`more than ${MAX_EVENTS} displays and metrics: the rest dropped`);
      return false;
    }
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      this.problem(`event ${this.lines} is not JSON`);
      return false;
    }
    const kind = (event as { type?: unknown } | null)?.type;
    if (kind === 'metric') {
      const metric = metricEvent.safeParse(event);
      if (!metric.success) return this.invalid(metric.error);
      const { name, value, step } = metric.data;
      this.metrics.push(step === undefined || step === null ? { name, value } : { name, value, step });
      return true;
    }
    if (kind !== 'display') {
      this.problem(`event ${this.lines}: type must be "display" or "metric"`);
      return false;
    }
    const { type: _type, ...rest } = event as Record<string, unknown>;
    // the one schema the presenters and the portal read displays with (common/displays.ts)
    const display = recordedDisplaySchema.safeParse(rest);
    if (!display.success) return this.invalid(display.error);
    const shown = display.data;
    const bytes = Buffer.byteLength(line);
    if (this.displayBytes + bytes > MAX_DISPLAYS_BYTES) {
      this.problem(`displays past ${MAX_DISPLAYS_BYTES / MiB} MiB in all were dropped`);
      return false;
    }
    this.displayBytes += bytes;
    this.displays.push(shown);
    return true;
  }

  private invalid(error: z.ZodError): false {
    const issue = error.issues[0]!;
    this.problem(`event ${this.lines}: ${issue.path.join('.') || 'event'} ${issue.message}`);
    return false;
  }

  private problem(text: string): void {
    if (this.problems.length < 20) this.problems.push(text);
  }
}
