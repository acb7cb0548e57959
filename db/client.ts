import { env as serverEnv } from "@/env";
import path from "node:path";
import { mkdirSync } from "node:fs";
import { sql, type SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { race, withQueryDeadline } from "./deadline";
import { isDatabaseUnavailable } from "./errors";
import * as schema from "./schema";

/** The one type every query above the driver uses, whether PGlite or postgres.js is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
/** Anything that can run queries: the database or an open transaction. */
export type Queryable = Database | Transaction;

/** Raw SQL rows, whichever driver is underneath (postgres.js returns an array, PGlite `{rows}`). */
export async function selectRows<T>(db: Queryable, query: SQL): Promise<T[]> {
  return rowsOf<T>(await db.execute(query));
}

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];

interface SessionInternals {
  session: {
    prepareQuery(
      query: { sql: string; params: unknown[] },
      fields: undefined,
      name: string | undefined,
      arrayMode: boolean,
    ): { execute(): Promise<unknown> };
  };
}

/**
 * Runs a statement written once as text with `$1…$n` placeholders as a prepared statement: on
 * Postgres it is parsed and planned once per pooled connection instead of on every call (drizzle's
 * `execute` never prepares), and the hottest statements skip composing and serialising a drizzle
 * SQL tree, which costs more CPU than the driver's whole round trip. For the metering statements
 * (their CTEs take longer to plan, ~2 ms, than to run, ~0.4 ms) and the webhook inbox's. Behind a
 * transaction pooler (PgBouncer/Supavisor in transaction mode), which cannot keep prepared
 * statements, the client is opened with `prepare: false` (`DATABASE_POOLER=transaction`) and the
 * same call runs the statement unprepared.
 */
export async function selectPreparedText<T>(db: Queryable, name: string, text: string, params: unknown[]): Promise<T[]> {
  const { session } = db as unknown as SessionInternals;
  return rowsOf<T>(await session.prepareQuery({ sql: text, params }, undefined, name, false).execute());
}

export interface DatabaseHandle {
  kind: "pglite" | "postgres";
  db: Database;
  migrate(): Promise<void>;
  /**
   * Proves the database answers, on a connection of its own (Postgres), so /api/health does not
   * queue behind a busy pool: a saturated instance is busy, not unhealthy.
   */
  ping?(): Promise<void>;
  /** PGlite only: the whole data directory as a tarball, which `pgliteDataDir` opens again. */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");
// Serialises migrations when several app instances start at once against one Postgres.
const MIGRATION_LOCK_ID = 727_274_001;

export interface DatabaseOptions {
  /** postgres:// URL; when absent the embedded PGlite database is used. */
  url?: string;
  /**
   * postgres:// URL of the same database without the pooler, for migrations (`DATABASE_URL_DIRECT`).
   * Optional: migrations take a transaction-scoped lock, so they also run through a transaction pooler.
   */
  directUrl?: string;
  /**
   * Prepare statements on the server (default). `false` behind a transaction pooler, where the next
   * statement may run on another server connection that never saw the prepared one.
   */
  prepare?: boolean;
  /** PGlite data directory, or "memory://" for a throwaway in-memory database. */
  pgliteDir?: string;
  /**
   * PGlite only: start from this data directory (a `dumpDataDir()` tarball) instead of an empty
   * one. Tests open every database from one migrated copy: seconds faster than initdb + migrate.
   */
  pgliteDataDir?: Blob;
  /** postgres.js pool size. */
  max?: number;
  /** Timeouts for real Postgres (PGlite runs in-process and has none). */
  timeouts?: DatabaseTimeouts;
}

export interface DatabaseTimeouts {
  /** Give up opening a connection after this long. */
  connectMs: number;
  /** Postgres cancels a statement running longer than this; the client gives up a little later. */
  statementMs: number;
  /** Postgres ends a session that sits idle inside a transaction this long. */
  idleInTransactionMs: number;
  /**
   * Send statement/idle timeouts as connection startup parameters (default). Transaction poolers
   * that refuse unknown startup parameters (PgBouncer) need `false`: set them on the role instead.
   */
  serverSide?: boolean;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectMs: 5_000, statementMs: 5_000, idleInTransactionMs: 10_000 };
/** How much longer than statement_timeout the client waits before treating the server as gone. */
const CLIENT_DEADLINE_MARGIN_MS = 1_000;

const envMs = (value: string | undefined, fallback: number) => {
  const parsed = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
};

export function databaseTimeoutsFromEnv(env: Record<string, string | undefined> = serverEnv): DatabaseTimeouts {
  return {
    connectMs: envMs(env.DATABASE_CONNECT_TIMEOUT_MS, DEFAULT_DATABASE_TIMEOUTS.connectMs),
    statementMs: envMs(env.DATABASE_STATEMENT_TIMEOUT_MS, DEFAULT_DATABASE_TIMEOUTS.statementMs),
    idleInTransactionMs: envMs(env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS, DEFAULT_DATABASE_TIMEOUTS.idleInTransactionMs),
    serverSide: env.DATABASE_SERVER_TIMEOUTS !== "off",
  };
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  return options.url
    ? openPostgres(options.url, options.max, options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS, {
        prepare: options.prepare ?? true,
        directUrl: options.directUrl,
      })
    : openPglite(options.pgliteDir, options.pgliteDataDir);
}

async function openPglite(dir = ".data/pglite", dataDir?: Blob): Promise<DatabaseHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  if (!dir.startsWith("memory://")) mkdirSync(dir, { recursive: true });
  const client = await PGlite.create({ dataDir: dir.startsWith("memory://") ? undefined : dir, loadDataDir: dataDir });
  const db = drizzle({ client, schema });
  return {
    kind: "pglite",
    db: db as unknown as Database,
    migrate: () => migrate(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    dumpDataDir: () => client.dumpDataDir("none"),
    close: () => client.close(),
  };
}

async function openPostgres(
  url: string,
  max = 10,
  timeouts: DatabaseTimeouts,
  { prepare, directUrl }: { prepare: boolean; directUrl?: string },
): Promise<DatabaseHandle> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  // Every connection gets its timeouts as startup parameters, from its first statement on.
  const connect = (max: number, serverSettings: Record<string, number>, extra: { idle_timeout?: number } = {}, target = url) =>
    postgres(target, {
      max,
      prepare,
      onnotice: () => {},
      connect_timeout: timeouts.connectMs / 1000,
      connection: timeouts.serverSide === false ? {} : serverSettings,
      ...extra,
    });
  const client = connect(max, {
    statement_timeout: timeouts.statementMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
  });
  const clientDeadline = timeouts.statementMs ? timeouts.statementMs + CLIENT_DEADLINE_MARGIN_MS : 0;
  const db = drizzle({ client: withQueryDeadline(client, clientDeadline), schema });
  let pingClient: ReturnType<typeof connect> | undefined;
  return {
    kind: "postgres",
    db: db as unknown as Database,
    async ping() {
      const open = () => connect(1, { statement_timeout: timeouts.statementMs }, { idle_timeout: 60 });
      const current = (pingClient ??= open());
      try {
        await current`select 1`;
      } catch (error) {
        // Its one connection may have died with a restarted server: the next ping starts afresh.
        if (pingClient === current) pingClient = undefined;
        void current.end({ timeout: 0 }).catch(() => {});
        if (!isDatabaseUnavailable(error)) throw error;
        const fresh = (pingClient ??= open());
        await fresh`select 1`;
      }
    },
    async migrate() {
      // Migrations may legitimately run long: no statement timeout on their own connection.
      const migrator = connect(1, { statement_timeout: 0 }, {}, directUrl ?? url);
      try {
        await migrator.begin((tx) => migrateInTransaction(tx));
      } finally {
        await migrator.end();
      }
    },
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), pingClient?.end({ timeout: 5 })]);
    },
  };
}

/**
 * One transaction: a transaction-scoped advisory lock (instances starting at the same moment wait
 * here, and the lock is released by the commit or by the connection dying, never left behind on a
 * pooled server connection), then the migrations not yet recorded, each recorded as drizzle-kit's
 * migrator does (same table, same hash and order), so `npm run db:migrate` and start-up agree.
 */
async function migrateInTransaction(tx: import("postgres").TransactionSql): Promise<void> {
  const { readMigrationFiles } = await import("drizzle-orm/migrator");
  await tx`set local statement_timeout = 0`;
  await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`;
  await tx`create schema if not exists drizzle`;
  await tx`create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`;
  const [last] = await tx<{ created_at: string }[]>`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`;
  for (const migration of readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER })) {
    if (last && Number(last.created_at) >= migration.folderMillis) continue;
    for (const statement of migration.sql) if (statement.trim()) await tx.unsafe(statement);
    await tx`insert into drizzle.__drizzle_migrations (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`;
  }
}

/**
 * `DATABASE_POOLER=transaction` is the one switch for PgBouncer/Supavisor/Neon's pooler in
 * transaction mode: no prepared statements and no startup parameters (the pooler refuses them; set
 * the timeouts on the role). `DATABASE_PREPARE=false` and `DATABASE_SERVER_TIMEOUTS=off` still
 * set each half on its own.
 */
export function databaseOptionsFromEnv(env: Record<string, string | undefined> = serverEnv): DatabaseOptions {
  const pooled = env.DATABASE_POOLER === "transaction";
  const timeouts = databaseTimeoutsFromEnv(env);
  return {
    url: env.DATABASE_URL || undefined,
    directUrl: env.DATABASE_URL_DIRECT || undefined,
    prepare: !pooled && env.DATABASE_PREPARE !== "false",
    pgliteDir: env.PGLITE_DIR || ".data/pglite",
    timeouts: pooled ? { ...timeouts, serverSide: false } : timeouts,
    max: envCount(env.DATABASE_POOL_SIZE),
  };
}

const envCount = (value: string | undefined) => {
  const parsed = Number(value);
  return value && Number.isInteger(parsed) && parsed > 0 ? parsed : undefined;
};

// A process-wide singleton: Next.js may load this module more than once (route handlers,
// instrumentation), and PGlite must never open the same data directory twice. `__billingDbPending`
// is true while it is being opened and migrated (start-up, or a retry after a failed start).
const globalForDb = globalThis as unknown as { __billingDb?: Promise<DatabaseHandle>; __billingDbPending?: boolean };

/**
 * True while the app's database is being opened and migrated and has not been ready yet: start-up
 * may wait there on another instance's migration lock (/api/health reports "starting").
 */
export function databasePreparing(): boolean {
  return globalForDb.__billingDbPending === true;
}

/**
 * How long a request waits for a database still being prepared: as long as it would wait for a
 * connection and then a statement (Postgres); then it gets the 503 a slow query gets, while the
 * preparation goes on. PGlite runs in-process with no timeouts: its requests simply wait.
 */
function preparationWaitMs(options: DatabaseOptions): number {
  const timeouts = options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS;
  if (!options.url || !timeouts.statementMs) return 0;
  return timeouts.connectMs + timeouts.statementMs + CLIENT_DEADLINE_MARGIN_MS;
}

/** The app's database, opened and migrated on first use. */
export function getDatabaseHandle(): Promise<DatabaseHandle> {
  const current = globalForDb.__billingDb;
  if (current) return globalForDb.__billingDbPending ? waitForPreparation(current) : current;
  const options = databaseOptionsFromEnv();
  const preparing: Promise<DatabaseHandle> = (async () => {
    const handle = await openDatabase(options);
    await handle.migrate();
    return handle;
  })().then(
    (handle) => {
      if (globalForDb.__billingDb === preparing) globalForDb.__billingDbPending = false;
      return handle;
    },
    (error: unknown) => {
      if (globalForDb.__billingDb === preparing) {
        globalForDb.__billingDb = undefined;
        globalForDb.__billingDbPending = false;
      }
      throw error;
    },
  );
  globalForDb.__billingDb = preparing;
  globalForDb.__billingDbPending = true;
  return waitForPreparation(preparing, preparationWaitMs(options));
}

function waitForPreparation(preparing: Promise<DatabaseHandle>, ms = preparationWaitMs(databaseOptionsFromEnv())): Promise<DatabaseHandle> {
  return ms ? race(preparing, ms, "database start-up: opening and migrating") : preparing;
}

export async function getDb(): Promise<Database> {
  return (await getDatabaseHandle()).db;
}

/** Closes the app's database if it is open (graceful shutdown); one still being prepared dies with the process. */
export async function closeAppDatabase(): Promise<void> {
  const current = globalForDb.__billingDb;
  if (!current || globalForDb.__billingDbPending) return;
  globalForDb.__billingDb = undefined;
  await (await current).close();
}

/** Lets tests and scripts run the app's code against a database they opened themselves. */
export function setAppDatabase(handle: DatabaseHandle): void {
  globalForDb.__billingDb = Promise.resolve(handle);
  globalForDb.__billingDbPending = false;
}
