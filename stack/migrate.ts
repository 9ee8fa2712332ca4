// `prisma migrate dev|deploy|status` without the schema-engine binary (which cannot be downloaded here):
// the Wasm schema engine driven through the pg driver adapter. Same migrations folder and _prisma_migrations
// table as the Prisma CLI, so `prisma migrate deploy` on a networked machine accepts what this writes.
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import * as wasmGlue from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';

const ROOT = process.cwd();
const SCHEMA_FILE = path.join(ROOT, 'prisma/schema.prisma');
const MIGRATIONS_DIR = path.join(ROOT, 'prisma/migrations');
const NO_FILTERS = { externalTables: [], externalEnums: [] };
const PG_INTERNAL_CHAR = 18;
const PG_TEXT = 25;

// adapter-pg 7.10 cannot decode Postgres' internal "char" type (pg_constraint.contype, read by the engine's
// catalog queries): report such columns as text to pg and as Character to the engine.
let charColumnsPatched = false;
function reportCharColumnsAsCharacter(adapter: object): void {
  if (charColumnsPatched) return;
  charColumnsPatched = true;
  const queryable = Object.getPrototypeOf(Object.getPrototypeOf(adapter));
  const { performIO, queryRaw } = queryable;
  const charColumns = new WeakMap<object, number[]>();
  queryable.performIO = async function (query: object) {
    const result = await performIO.call(this, query);
    const indexes: number[] = [];
    result.fields.forEach((field: { dataTypeID: number }, i: number) => {
      if (field.dataTypeID === PG_INTERNAL_CHAR) {
        field.dataTypeID = PG_TEXT;
        indexes.push(i);
      }
    });
    if (indexes.length) charColumns.set(query, indexes);
    return result;
  };
  queryable.queryRaw = async function (query: object) {
    const result = await queryRaw.call(this, query);
    for (const i of charColumns.get(query) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
}

// adapter-pg 7.10's own shadow database ignores the database name when given a connection string, and drops the
// database before closing its pool; manage the shadow database here instead.
class MigrationAdapter extends PrismaPg {
  constructor(private readonly url: string) {
    super({ connectionString: url });
  }
  override async connect() {
    const adapter = await super.connect();
    reportCharColumnsAsCharacter(adapter);
    return adapter;
  }
  override async connectToShadowDb() {
    const name = `prisma_migrate_shadow_db_${crypto.randomUUID().replace(/-/g, '')}`;
    const admin = new pg.Client({ connectionString: this.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const shadowUrl = new URL(this.url);
    shadowUrl.pathname = `/${name}`;
    const shadow = await new PrismaPg({ connectionString: shadowUrl.toString() }).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`).finally(() => admin.end());
    };
    return shadow;
  }
}

async function loadSchemaEngine(url: string): Promise<SchemaEngine> {
  // the engine reports Rust panics through this global
  (globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message: (m: string) => console.error(`schema engine panic: ${m}`),
  };
  // The package is a wasm-bindgen "bundler" build; instantiate its module by hand for plain Node.
  const entry = createRequire(path.join(ROOT, 'package.json')).resolve('@prisma/schema-engine-wasm');
  const bytes = await readFile(path.join(path.dirname(entry), 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': wasmGlue as never });
  wasmGlue.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  const log = (msg: string) => {
    if (process.env.DEBUG) console.error('[schema-engine]', msg);
  };
  return wasmGlue.SchemaEngine.new(
    { datamodels: undefined },
    log,
    bindMigrationAwareSqlAdapterFactory(new MigrationAdapter(url)),
  );
}

async function listMigrations(): Promise<MigrationList> {
  const lockfile = 'migration_lock.toml';
  const lock = await readFile(path.join(MIGRATIONS_DIR, lockfile), 'utf8').catch(() => null);
  const dirs = existsSync(MIGRATIONS_DIR)
    ? (await readdir(MIGRATIONS_DIR, { withFileTypes: true })).filter((d) => d.isDirectory())
    : [];
  const migrationDirectories = await Promise.all(
    dirs.map(async (d) => ({
      path: d.name,
      migrationFile: {
        path: 'migration.sql',
        content: await readFile(path.join(MIGRATIONS_DIR, d.name, 'migration.sql'), 'utf8').then(
          (value) => ({ tag: 'ok' as const, value }),
          (e: Error) => ({ tag: 'error' as const, value: e.message }),
        ),
      },
    })),
  );
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: lockfile, content: lock },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

async function withEngine<T>(url: string, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
  const engine = await loadSchemaEngine(url);
  try {
    return await fn(engine);
  } finally {
    engine.free();
  }
}

/** Applies pending migrations (`prisma migrate deploy`). Returns the names applied. */
export async function deployMigrations(url: string): Promise<string[]> {
  return withEngine(url, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: await listMigrations(),
      filters: NO_FILTERS,
    });
    return appliedMigrationNames;
  });
}

/** Creates a migration from schema changes, then applies everything pending (`prisma migrate dev --name`). */
export async function developMigration(
  url: string,
  name: string,
): Promise<{ created: string | null; applied: string[] }> {
  return withEngine(url, async (engine) => {
    const migrationsList = await listMigrations();
    // devDiagnostic replays history into a shadow database; createMigration works off its cached result.
    const { action } = await engine.devDiagnostic({ migrationsList, filters: NO_FILTERS });
    if (action.tag === 'reset') throw new Error(`The database needs a reset: ${action.reason}`);
    await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    const schema = { files: [{ path: SCHEMA_FILE, content: await readFile(SCHEMA_FILE, 'utf8') }] };
    const out = await engine.createMigration({
      draft: false,
      migrationName: name,
      migrationsList,
      schema,
      filters: NO_FILTERS,
    });
    let created: string | null = null;
    if (out.migrationScript !== null) {
      const dir = path.join(MIGRATIONS_DIR, out.generatedMigrationName);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, `migration.${out.extension}`), out.migrationScript);
      await writeFile(
        path.join(MIGRATIONS_DIR, 'migration_lock.toml'),
        '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\n' +
          `provider = "${out.connectorType}"\n`,
      );
      created = out.generatedMigrationName;
    }
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: await listMigrations(),
      filters: NO_FILTERS,
    });
    return { created, applied: appliedMigrationNames };
  });
}

export async function migrationStatus(url: string): Promise<unknown> {
  return withEngine(url, async (engine) =>
    engine.diagnoseMigrationHistory({
      migrationsList: await listMigrations(),
      optInToShadowDatabase: false,
      filters: NO_FILTERS,
    }),
  );
}
