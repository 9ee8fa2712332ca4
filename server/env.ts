// Configuration, read once from the environment and validated; everything else takes it as an argument.
// Server and worker settings are read here and nowhere else; docs/configuration.md lists every variable.
import path from 'node:path';
import { z } from 'zod';
import { cacheDir } from '~/stack/paths';
import { defaultUvPath } from '~/stack/uv';
import { DEFAULT_MIN_SCHEDULE_INTERVAL_S } from '~/common/limits';
import { QUEUES, taskQueueNames, type QueueName, type TaskQueues } from '~/common/queues';

const bool = z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/** Temporal's log levels, for the worker's runtime logger. */
export const WORKER_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type WorkerLogLevel = (typeof WORKER_LOG_LEVELS)[number];

const queueList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((q) => q.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(z.enum(QUEUES, { error: (issue) => `unknown queue "${issue.input}" (known: ${QUEUES.join(', ')})` }))
      .min(1, 'must name at least one queue'),
  );

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
  /** GPU memory the resident models of one GPU worker may hold together (see runners/PROTOCOL.md). */
  GPU_MEMORY_MB: z.coerce.number().int().min(1).default(24_000),
  /** Concurrent inference requests for one model are merged into batches of up to this many inputs... */
  BREWLINE_BATCH_MAX: z.coerce.number().int().min(1).max(4_096).default(32),
  /** ...waiting at most this long for a batch to fill. */
  BREWLINE_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(10_000).default(20),
  /** The Python that runs model runners (default .venv/bin/python when present, else python3). */
  BREWLINE_PYTHON: z.string().optional(),
  /** Where the workers keep code cells' Python environments, one per requirement set (default <cache>/cell-envs). */
  BREWLINE_CELL_ENVS_DIR: z.string().optional(),
  /** The uv executable that builds them (default: the one npm run setup installs in the machine's cache). */
  BREWLINE_UV: z.string().optional(),
  /** The Python they are made from (default python3 on the worker's PATH). */
  BREWLINE_CELL_PYTHON: z.string().default('python3'),
  /** A runner that does not answer a batch within this long is taken for stuck: killed, its requests failed
   * retryably, and restarted for the next. */
  BREWLINE_INFER_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(600_000),
  /** GPU tasks a GPU worker fetches ahead and holds until a slot frees (0: fetch only when a slot is free). */
  GPU_PREFETCH: z.coerce.number().int().min(0).max(64).default(1),
  CPU_SLOTS: z.coerce.number().int().min(1).default(32),
  /** Threads a CPU worker runs workflow code on (items' and runs' orchestration; many items start at once). */
  BREWLINE_WORKFLOW_THREADS: z.coerce.number().int().min(1).max(64).default(2),
  BREWLINE_DATA_DIR: z.string().default('.data'),
  BREWLINE_STEP_LOG_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .default(64 * 1024),
  BREWLINE_ITEMS_PER_EXECUTION: z.coerce.number().int().min(1).default(1_000),
  /** The artifact store: a local directory (default <data dir>/artifacts), or an S3-compatible bucket. */
  BREWLINE_ARTIFACT_DIR: z.string().optional(),
  BREWLINE_ARTIFACT_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
    .optional(),
  BREWLINE_ARTIFACT_S3_PREFIX: z
    .string()
    .regex(/^([\w.-]+\/)*$/, 'must be empty or end with "/"')
    .default(''),
  /** S3-compatible storage (AWS, MinIO, R2, ...) for artifacts and S3 sensors; credentials come from the usual
   * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the SDK's other sources). */
  BREWLINE_S3_ENDPOINT: z.string().url().optional(),
  BREWLINE_S3_REGION: z.string().default('us-east-1'),
  BREWLINE_S3_FORCE_PATH_STYLE: bool.optional(),
  /** Session cookies carry Secure (sent over HTTPS only): set it where the portal is served over HTTPS. */
  BREWLINE_SECURE_COOKIES: bool.default(false),
  /** Failed sign-ins allowed per account, and per client address, in a window of this many minutes; then 429. */
  BREWLINE_SIGNIN_ACCOUNT_FAILURES: z.coerce.number().int().min(1).max(1_000).default(10),
  BREWLINE_SIGNIN_ADDRESS_FAILURES: z.coerce.number().int().min(1).max(100_000).default(50),
  BREWLINE_SIGNIN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1_440).default(15),
  /** The queues `npm run worker` serves when it is given no --queues. */
  BREWLINE_WORKER_QUEUES: queueList.default(['cpu', 'gpu']),
  /** A worker's health server (GET /healthz, /readyz) listens on this port; 0: any free port (printed); unset: none. */
  BREWLINE_WORKER_HEALTH_PORT: z
    .string()
    .regex(/^\d{0,5}$/, 'must be a port number (0: any free port)')
    .transform((v) => (v === '' ? undefined : Number(v)))
    .refine((port) => port === undefined || port <= 65_535, 'must be a port number (0: any free port)')
    .optional(),
  /** The level of the Temporal runtime's log in worker processes (the tests and benchmarks quiet it to ERROR). */
  BREWLINE_WORKER_LOG_LEVEL: z.enum(WORKER_LOG_LEVELS).default('WARN'),
  /** A workflow bundle built beforehand (the tests' and benchmarks' worker processes); unset: bundled at start. */
  BREWLINE_WORKFLOW_BUNDLE: z.string().optional(),
  /** on: step programs run in the bubblewrap sandbox (a worker that cannot start one refuses them); off:
   * unsandboxed. */
  BREWLINE_SANDBOX: z.enum(['on', 'off']).default('on'),
  /** Internal addresses the platform's own calls (HTTP sensors, alerts) may reach: IPs, CIDR ranges, host names. */
  BREWLINE_EGRESS_ALLOW: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  /** The shortest `every` a schedule may have, in seconds (an admin may allow less than a minute). */
  BREWLINE_MIN_SCHEDULE_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(DEFAULT_MIN_SCHEDULE_INTERVAL_S),
  /** Folders every step sees, writable (a drop folder a file sensor watches, shared storage), separated by ':'. */
  BREWLINE_STEP_SHARED_DIRS: z
    .string()
    .default('')
    .transform((v) => v.split(':').filter(Boolean))
    .pipe(z.array(z.string().startsWith('/', 'must be absolute paths separated by ":"'))),
  /** The key secrets and connections are encrypted under (AES-256-GCM): 32 bytes, base64 or hex. */
  BREWLINE_SECRET_KEY: z
    .string()
    .transform((v) => secretKeyBytes(v.trim()))
    .refine((key): key is Buffer => key !== null, 'must be 32 bytes, base64 or hex (openssl rand -base64 32)')
    .optional(),
});

/** A 256-bit key written as 64 hex digits or as base64 (either alphabet, padded or not); null when it is neither. */
export function secretKeyBytes(text: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return null;
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : null;
}

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
  gpuPrefetch: number;
  workflowThreads: number;
  models: { memoryBudgetMb: number; batchMax: number; batchWaitMs: number; inferTimeoutMs: number; python?: string };
  cpuSlots: number;
  dataDir: string;
  stepLogBytes: number;
  /** The environment this was read from: what step commands and model runners may inherit of it (an allow-list,
   * workers/child-env.ts). A pipeline never names one of its variables (a SQL sensor names a connection). */
  environment: Readonly<Record<string, string | undefined>>;
  itemsPerExecution: number;
  publicUrl: string;
  artifacts: ArtifactStoreConfig;
  s3: S3Config;
  secureCookies: boolean;
  /** The sign-in limiter (server/services/auth/sign-in-limiter.ts): failures allowed per account and per address. */
  signInLimits: { perAccount: number; perAddress: number; windowMs: number };
  /** Queues a worker process serves unless its command line names them. */
  workerQueues: QueueName[];
  workerLogLevel: WorkerLogLevel;
  /** The port of a worker's health server (0: any free one); absent: no health server. */
  workerHealthPort?: number;
  workflowBundle?: string;
  /** Code cells' Python environments: where they are kept, the uv that builds them, the Python they use. */
  cells: { envsDir: string; uv: string; python: string };
  /** Whether step programs run in the sandbox (workers/sandbox); off only where an admin chose so. */
  sandbox: 'on' | 'off';
  /** Folders every step's sandbox shows, writable (admin-chosen drop folders and shared storage). */
  stepSharedDirs: string[];
  /** Internal addresses an admin lets the platform's own outbound calls reach (workers/egress.ts). */
  egressAllow: string[];
  /** The shortest `every` a schedule may have, in seconds. */
  minScheduleIntervalS: number;
  /** The key secrets are encrypted under (server/services/secrets); absent: secrets cannot be stored or used. */
  secretKey?: Buffer;
}

export interface S3Config {
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
}

export type ArtifactStoreConfig = { kind: 'local'; dir: string } | { kind: 's3'; bucket: string; prefix: string };

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
        ? {
            certPath: env.TEMPORAL_TLS_CERT_PATH,
            keyPath: env.TEMPORAL_TLS_KEY_PATH,
            caPath: env.TEMPORAL_TLS_CA_PATH,
            serverName: env.TEMPORAL_TLS_SERVER_NAME,
          }
        : undefined,
      apiKey: env.TEMPORAL_API_KEY,
      uiUrl: env.TEMPORAL_UI_URL,
    },
    taskQueues: taskQueueNames(
      { cpu: env.BREWLINE_QUEUE_CPU, gpu: env.BREWLINE_QUEUE_GPU },
      env.BREWLINE_TASK_QUEUE_PREFIX,
    ),
    gpuSlots: env.GPU_SLOTS,
    gpuPrefetch: env.GPU_PREFETCH,
    workflowThreads: env.BREWLINE_WORKFLOW_THREADS,
    models: {
      memoryBudgetMb: env.GPU_MEMORY_MB,
      batchMax: env.BREWLINE_BATCH_MAX,
      batchWaitMs: env.BREWLINE_BATCH_WAIT_MS,
      inferTimeoutMs: env.BREWLINE_INFER_TIMEOUT_MS,
      python: env.BREWLINE_PYTHON,
    },
    cpuSlots: env.CPU_SLOTS,
    dataDir: env.BREWLINE_DATA_DIR,
    stepLogBytes: env.BREWLINE_STEP_LOG_BYTES,
    environment: { ...source },
    itemsPerExecution: env.BREWLINE_ITEMS_PER_EXECUTION,
    publicUrl: env.BREWLINE_PUBLIC_URL,
    artifacts: env.BREWLINE_ARTIFACT_S3_BUCKET
      ? { kind: 's3', bucket: env.BREWLINE_ARTIFACT_S3_BUCKET, prefix: env.BREWLINE_ARTIFACT_S3_PREFIX }
      : { kind: 'local', dir: env.BREWLINE_ARTIFACT_DIR ?? path.join(env.BREWLINE_DATA_DIR, 'artifacts') },
    s3: {
      endpoint: env.BREWLINE_S3_ENDPOINT,
      region: env.BREWLINE_S3_REGION,
      forcePathStyle: env.BREWLINE_S3_FORCE_PATH_STYLE ?? !!env.BREWLINE_S3_ENDPOINT,
    },
    cells: {
      envsDir: path.resolve(env.BREWLINE_CELL_ENVS_DIR ?? path.join(cacheDir(), 'cell-envs')),
      uv: env.BREWLINE_UV ?? defaultUvPath(),
      python: env.BREWLINE_CELL_PYTHON,
    },
    sandbox: env.BREWLINE_SANDBOX,
    stepSharedDirs: env.BREWLINE_STEP_SHARED_DIRS,
    egressAllow: env.BREWLINE_EGRESS_ALLOW,
    minScheduleIntervalS: env.BREWLINE_MIN_SCHEDULE_INTERVAL_S,
    secretKey: env.BREWLINE_SECRET_KEY,
    secureCookies: env.BREWLINE_SECURE_COOKIES,
    signInLimits: {
      perAccount: env.BREWLINE_SIGNIN_ACCOUNT_FAILURES,
      perAddress: env.BREWLINE_SIGNIN_ADDRESS_FAILURES,
      windowMs: env.BREWLINE_SIGNIN_WINDOW_MINUTES * 60_000,
    },
    workerQueues: env.BREWLINE_WORKER_QUEUES,
    workerLogLevel: env.BREWLINE_WORKER_LOG_LEVEL,
    workerHealthPort: env.BREWLINE_WORKER_HEALTH_PORT,
    workflowBundle: env.BREWLINE_WORKFLOW_BUNDLE,
  };
}

let cached: AppConfig | undefined;
/** The process's configuration, validated on first use. */
export function config(): AppConfig {
  cached ??= loadConfig();
  return cached;
}
