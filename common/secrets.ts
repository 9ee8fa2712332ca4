// Named secrets and typed connections: each type's fields as a zod schema, which of them are secret (write-only,
// encrypted at rest, masked in logs) and the variable each becomes in a step's environment. Shared by the API, the
// portal's forms and the workers.
import { z } from 'zod';

export const secretNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and "-", starting with a letter');

const text = (max = 1_000) => z.string().trim().min(1).max(max);
const port = (fallback: number) => z.number().int().min(1).max(65_535).default(fallback);
const httpUrl = z
  .url()
  .max(2_000)
  .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');
const headerName = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be a header name');

export const SECRET_TYPES = ['secret', 'postgres', 's3', 'http', 'slack', 'smtp'] as const;
export type SecretType = (typeof SECRET_TYPES)[number];
/** The types a step's `connection` (and a SQL sensor's) may name: every type but a plain secret. */
export const CONNECTION_TYPES = SECRET_TYPES.filter((t): t is Exclude<SecretType, 'secret'> => t !== 'secret');
export type ConnectionType = (typeof CONNECTION_TYPES)[number];

export interface SecretFieldDef {
  name: string;
  label: string;
  /** Write-only: encrypted at rest, never returned by the API, masked in step logs, results and errors. */
  secret: boolean;
  /** How the form asks for it (headers: one "Name: value" per line). */
  input: 'text' | 'number' | 'boolean' | 'url' | 'headers' | 'password';
  /** The variable it becomes in the environment of a step that names the connection. */
  env?: string;
}

export interface SecretTypeDef {
  title: string;
  /** Every field, secret or not; `fields` says which is which. */
  schema: z.ZodObject;
  fields: SecretFieldDef[];
}

export const SECRET_TYPE_DEFS: Record<SecretType, SecretTypeDef> = {
  secret: {
    title: 'Secret (one value)',
    schema: z.strictObject({ value: z.string().min(1).max(16_384) }),
    fields: [{ name: 'value', label: 'Value', secret: true, input: 'password' }],
  },
  postgres: {
    title: 'PostgreSQL database',
    schema: z.strictObject({
      host: text(255),
      port: port(5432),
      database: text(63),
      user: text(63),
      password: z.string().min(1).max(1_000),
      sslmode: z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']).default('prefer'),
    }),
    fields: [
      { name: 'host', label: 'Host', secret: false, input: 'text', env: 'BREWLINE_CONNECTION_HOST' },
      { name: 'port', label: 'Port', secret: false, input: 'number', env: 'BREWLINE_CONNECTION_PORT' },
      { name: 'database', label: 'Database', secret: false, input: 'text', env: 'BREWLINE_CONNECTION_DATABASE' },
      { name: 'user', label: 'User', secret: false, input: 'text', env: 'BREWLINE_CONNECTION_USER' },
      { name: 'password', label: 'Password', secret: true, input: 'password', env: 'BREWLINE_CONNECTION_PASSWORD' },
      { name: 'sslmode', label: 'SSL mode', secret: false, input: 'text', env: 'BREWLINE_CONNECTION_SSLMODE' },
    ],
  },
  s3: {
    title: 'S3-compatible storage',
    schema: z.strictObject({
      endpoint: httpUrl.optional(),
      region: text(100).default('us-east-1'),
      bucket: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
        .optional(),
      accessKeyId: text(200),
      secretAccessKey: z.string().min(1).max(1_000),
    }),
    fields: [
      {
        name: 'endpoint',
        label: 'Endpoint (empty: AWS)',
        secret: false,
        input: 'url',
        env: 'BREWLINE_CONNECTION_ENDPOINT',
      },
      { name: 'region', label: 'Region', secret: false, input: 'text', env: 'BREWLINE_CONNECTION_REGION' },
      { name: 'bucket', label: 'Bucket', secret: false, input: 'text', env: 'BREWLINE_CONNECTION_BUCKET' },
      {
        name: 'accessKeyId',
        label: 'Access key id',
        secret: true,
        input: 'password',
        env: 'BREWLINE_CONNECTION_ACCESS_KEY_ID',
      },
      {
        name: 'secretAccessKey',
        label: 'Secret access key',
        secret: true,
        input: 'password',
        env: 'BREWLINE_CONNECTION_SECRET_ACCESS_KEY',
      },
    ],
  },
  http: {
    title: 'HTTP API (base URL and headers)',
    schema: z.strictObject({
      baseUrl: httpUrl.refine((u) => !new URL(u).username && !new URL(u).password, 'must not hold credentials'),
      headers: z
        .record(headerName, z.string().min(1).max(8_000))
        .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers')
        .default({}),
    }),
    fields: [
      { name: 'baseUrl', label: 'Base URL', secret: false, input: 'url', env: 'BREWLINE_CONNECTION_BASE_URL' },
      { name: 'headers', label: 'Headers', secret: true, input: 'headers', env: 'BREWLINE_CONNECTION_HEADERS' },
    ],
  },
  slack: {
    title: 'Slack incoming webhook',
    schema: z.strictObject({ webhookUrl: httpUrl, channel: z.string().max(100).optional() }),
    fields: [
      {
        name: 'webhookUrl',
        label: 'Webhook URL',
        secret: true,
        input: 'password',
        env: 'BREWLINE_CONNECTION_WEBHOOK_URL',
      },
      { name: 'channel', label: 'Channel (a note)', secret: false, input: 'text', env: 'BREWLINE_CONNECTION_CHANNEL' },
    ],
  },
  smtp: {
    title: 'SMTP mail server',
    schema: z.strictObject({
      host: text(255),
      port: port(587),
      secure: z.boolean().default(false),
      user: z.string().max(320).optional(),
      password: z.string().min(1).max(1_000).optional(),
      from: text(320),
    }),
    fields: [
      { name: 'host', label: 'Host', secret: false, input: 'text', env: 'BREWLINE_CONNECTION_HOST' },
      { name: 'port', label: 'Port', secret: false, input: 'number', env: 'BREWLINE_CONNECTION_PORT' },
      {
        name: 'secure',
        label: 'TLS from the start',
        secret: false,
        input: 'boolean',
        env: 'BREWLINE_CONNECTION_SECURE',
      },
      { name: 'user', label: 'User', secret: false, input: 'text', env: 'BREWLINE_CONNECTION_USER' },
      { name: 'password', label: 'Password', secret: true, input: 'password', env: 'BREWLINE_CONNECTION_PASSWORD' },
      { name: 'from', label: 'From address', secret: false, input: 'text', env: 'BREWLINE_CONNECTION_FROM' },
    ],
  },
};

/** Every step naming a connection gets these two besides its fields' variables. */
export const CONNECTION_NAME_ENV = 'BREWLINE_CONNECTION_NAME';
export const CONNECTION_TYPE_ENV = 'BREWLINE_CONNECTION_TYPE';
/** A postgres connection's fields as one libpq URL (secret: it holds the password). */
export const CONNECTION_URL_ENV = 'BREWLINE_CONNECTION_URL';

export const isSecretField = (type: SecretType, field: string) =>
  SECRET_TYPE_DEFS[type].fields.some((f) => f.name === field && f.secret);

/** A value split into what is stored in clear and what is encrypted. */
export function splitFields(
  type: SecretType,
  values: Record<string, unknown>,
): { plain: Record<string, unknown>; secret: Record<string, unknown> } {
  const plain: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (isSecretField(type, name)) secret[name] = value;
    else plain[name] = value;
  }
  return { plain, secret };
}

/** libpq's connection URL of a postgres connection. */
export function postgresUrl(c: {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  sslmode?: string;
}): string {
  const host = c.host.includes(':') ? `[${c.host}]` : c.host;
  const query = c.sslmode ? `?sslmode=${encodeURIComponent(c.sslmode)}` : '';
  return (
    `postgresql://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@${host}:${c.port}/` +
    `${encodeURIComponent(c.database)}${query}`
  );
}
