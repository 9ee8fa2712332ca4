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
  /** How the worker serves it: "python" runs runners/<framework>/runner.py (see runners/PROTOCOL.md). */
  runtime?: string;
  gpuMemoryMb: number;
}

export const modelLabel = (m: Pick<ResolvedModel, 'name' | 'version'>) => `${m.name}@${m.version}`;
