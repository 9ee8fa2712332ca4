// What the cafe pipelines share: their cells' code (read from pipelines/cafe/cells/ when a pipeline is loaded, so
// a push sends it inline), their Python environment, the results connection and the dong list param.
import { readFileSync } from 'node:fs';
import { RESULTS_CONNECTION } from './results/connection';

export { RESULTS_CONNECTION };

/** A cell's code, from pipelines/cafe/cells/. */
export const cellCode = (file: string) => readFileSync(new URL(`./cells/${file}`, import.meta.url), 'utf8');

/** The cells' Python environment: numpy (the representative-image choice) and psycopg (the results database). */
export const python = { requirements: ['numpy==2.3.5', 'psycopg[binary]==3.2.13'] };

export const dongsFileParam = {
  type: 'string',
  path: true,
  default: 'pipelines/cafe/sample/dongs.json',
  description: 'JSON list of the dongs to process (a path inside the repository)',
} as const;

export const gpuRetry = { maxAttempts: 3, initialIntervalMs: 2_000, backoffCoefficient: 2, maxIntervalMs: 60_000 };
