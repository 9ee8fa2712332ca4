// How a step names a model: by alias (resolved when a run starts) or by version number.
import { z } from 'zod';
import { INT4_MAX } from './limits';

export const modelRefSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9._-]{0,99}$/, 'must be a model name: lower-case letters, digits, ".", "_", "-"'),
    alias: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,49}$/)
      .optional(),
    version: z.number().int().min(1).max(INT4_MAX).optional(),
  })
  .refine((m) => !m.alias !== !m.version, { message: 'give exactly one of alias or version', path: ['alias'] });
export type ModelRef = z.output<typeof modelRefSchema>;

/** The model version a step runs with, fixed for the whole run. */
export interface ResolvedModel {
  name: string;
  version: number;
  alias?: string;
  artifactUri: string;
  framework: string;
  /** How the worker serves it: "python" runs runners/<framework>/runner.py (see runners/PROTOCOL.md), or the
   * version's own code when it has some. */
  runtime?: string;
  gpuMemoryMb: number;
  /** The model code registered with the version (runners/model_host.py serves it). */
  code?: ModelCodeRef;
  /** Pinned requirements the code runs with, on top of the runners' Python. */
  requirements?: string[];
}

/** A model version's code: its files by content hash (stored in CellSource) and the class that serves it. */
export interface ModelCodeRef {
  /** "module:Class", e.g. "model.py:Model". */
  entrypoint: string;
  /** { "relative/path.py": sha256 } */
  files: Record<string, string>;
}

export const modelLabel = (m: Pick<ResolvedModel, 'name' | 'version'>) => `${m.name}@${m.version}`;
