import path from "node:path";
import { mkdirSync } from "node:fs";
import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";

/** The one type every query above the driver uses, whether PGlite or postgres.js is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Anything that can run queries: the database or an open transaction. */
export type Queryable = Database | Transaction;

/** Raw SQL rows, whichever driver is underneath (postgres.js returns an array, PGlite `{rows}`). */
export async function selectRows<T>(db: Queryable, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

export interface DatabaseHandle {
  kind: "pglite" | "postgres";
  db: Database;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");
// Serialises migrations when several app instances start at once against one Postgres.
const MIGRATION_LOCK_ID = 727_274_001;

export interface DatabaseOptions {
  /** postgres:// URL; when absent the embedded PGlite database is used. */
  url?: string;
  /** PGlite data directory, or "memory://" for a throwaway in-memory database. */
  pgliteDir?: string;
  /** postgres.js pool size. */
  max?: number;
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  return options.url ? openPostgres(options.url, options.max) : openPglite(options.pgliteDir);
}

async function openPglite(dir = ".data/pglite"): Promise<DatabaseHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  if (!dir.startsWith("memory://")) mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir.startsWith("memory://") ? undefined : dir);
  const db = drizzle({ client, schema });
  return {
    kind: "pglite",
    db: db as unknown as Database,
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
  };
}

async function openPostgres(url: string, max = 10): Promise<DatabaseHandle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  const client = postgres(url, { max, onnotice: () => {} });
  const db = drizzle({ client, schema });
  return {
    kind: "postgres",
    db: db as unknown as Database,
    async migrate() {
      const lockClient = postgres(url, { max: 1, onnotice: () => {} });
      try {
        const lockDb = drizzle({ client: lockClient });
        await lockDb.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`);
        await migrate(lockDb, { migrationsFolder: MIGRATIONS_FOLDER });
        await lockDb.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`);
      } finally {
        await lockClient.end();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

export function databaseOptionsFromEnv(env: Record<string, string | undefined> = process.env): DatabaseOptions {
  return { url: env.DATABASE_URL || undefined, pgliteDir: env.PGLITE_DIR || ".data/pglite" };
}

// A process-wide singleton: Next.js may load this module more than once (route handlers,
// instrumentation), and PGlite must never open the same data directory twice.
const globalForDb = globalThis as unknown as { __billingDb?: Promise<DatabaseHandle> };

/** The app's database, opened and migrated on first use. */
export function getDatabaseHandle(): Promise<DatabaseHandle> {
  globalForDb.__billingDb ??= (async () => {
    const handle = await openDatabase(databaseOptionsFromEnv());
    await handle.migrate();
    return handle;
  })().catch((error: unknown) => {
    globalForDb.__billingDb = undefined;
    throw error;
  });
  return globalForDb.__billingDb;
}

export async function getDb(): Promise<Database> {
  return (await getDatabaseHandle()).db;
}

/** Lets tests and scripts run the app's code against a database they opened themselves. */
export function setAppDatabase(handle: DatabaseHandle): void {
  globalForDb.__billingDb = Promise.resolve(handle);
}
