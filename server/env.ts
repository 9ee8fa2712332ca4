// Configuration, read once from the environment and validated; everything else takes it as an argument.
import { z } from 'zod';
import { taskQueueNames, type TaskQueues } from '~/common/queues';

const bool = z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true');

const envSchema = z.object({
  DATABASE_URL: z.string().url('must be a postgresql:// URL'),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** TLS for a Temporal cluster or Temporal Cloud: mTLS with a client certificate, or an API key. */
  TEMPORAL_TLS: bool.optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_UI_URL: z.string().default('http://localhost:8233'),
  /** Where people reach the portal: links in alerts. */
  BREWLINE_PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  BREWLINE_QUEUE_CPU: z.string().optional(),
  BREWLINE_QUEUE_GPU: z.string().optional(),
  BREWLINE_TASK_QUEUE_PREFIX: z.string().default(''),
  GPU_SLOTS: z.coerce.number().int().min(1).default(1),
  CPU_SLOTS: z.coerce.number().int().min(1).default(32),
  BREWLINE_DATA_DIR: z.string().default('.data'),
  BREWLINE_STEP_LOG_BYTES: z.coerce.number().int().min(1_024).default(64 * 1024),
  BREWLINE_ITEMS_PER_EXECUTION: z.coerce.number().int().min(1).default(1_000),
});

export type Env = z.output<typeof envSchema>;

export interface TemporalConfig {
  address: string;
  namespace: string;
  tls?: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
  apiKey?: string;
  uiUrl: string;
}

export interface AppConfig {
  databaseUrl: string;
  temporal: TemporalConfig;
  taskQueues: TaskQueues;
  gpuSlots: number;
  cpuSlots: number;
  dataDir: string;
  stepLogBytes: number;
  itemsPerExecution: number;
  publicUrl: string;
}

export class ConfigError extends Error {}

export function loadConfig(source: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const tlsWanted = env.TEMPORAL_TLS ?? !!(env.TEMPORAL_TLS_CERT_PATH || env.TEMPORAL_API_KEY);
  return {
    databaseUrl: env.DATABASE_URL,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      tls: tlsWanted
        ? { certPath: env.TEMPORAL_TLS_CERT_PATH, keyPath: env.TEMPORAL_TLS_KEY_PATH, caPath: env.TEMPORAL_TLS_CA_PATH, serverName: env.TEMPORAL_TLS_SERVER_NAME }
        : undefined,
      apiKey: env.TEMPORAL_API_KEY,
      uiUrl: env.TEMPORAL_UI_URL,
    },
    taskQueues: taskQueueNames({ cpu: env.BREWLINE_QUEUE_CPU, gpu: env.BREWLINE_QUEUE_GPU }, env.BREWLINE_TASK_QUEUE_PREFIX),
    gpuSlots: env.GPU_SLOTS,
    cpuSlots: env.CPU_SLOTS,
    dataDir: env.BREWLINE_DATA_DIR,
    stepLogBytes: env.BREWLINE_STEP_LOG_BYTES,
    itemsPerExecution: env.BREWLINE_ITEMS_PER_EXECUTION,
    publicUrl: env.BREWLINE_PUBLIC_URL,
  };
}

let cached: AppConfig | undefined;
/** The process's configuration, validated on first use. */
export function config(): AppConfig {
  cached ??= loadConfig();
  return cached;
}
