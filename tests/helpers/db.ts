import { readFileSync } from "node:fs";
import { inject } from "vitest";
import { openDatabase, type DatabaseHandle } from "@/db/client";
import { createScratchDatabase } from "@/scripts/lib/scratch-database";

/**
 * "pgbouncer": the same Postgres server reached through PgBouncer in transaction pooling mode
 * (tests/helpers/pgbouncer-setup.ts), opened as the app opens it with `DATABASE_POOLER=transaction`:
 * no prepared statements, no startup parameters, each transaction on whichever server connection.
 */
export type DatabaseKind = "pglite" | "postgres" | "pgbouncer";

/** A value the run's global setup provided, or null outside vitest's runner (a script importing this helper). */
function provided<K extends "pgbouncerPort" | "pgliteTemplate" | "postgresTemplate">(key: K) {
  try {
    return inject(key) ?? null;
  } catch {
    return null;
  }
}

const pgbouncerPort = () => provided("pgbouncerPort");

/** `TEST_DATABASE_KINDS=pgbouncer` (npm run test:pooler): every database suite on those kinds only. */
const only = process.env.TEST_DATABASE_KINDS?.split(",").filter(Boolean) as DatabaseKind[] | undefined;

/** PGlite always; real Postgres too when DATABASE_URL points at a server. */
export const DATABASE_KINDS: DatabaseKind[] = only ?? (process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"]);

/**
 * DATABASE_KINDS and, when PgBouncer is installed, Postgres through it in transaction mode: for the
 * suites whose statements, transactions and locks must also hold behind a transaction pooler
 * (webhooks, metering, checkout, lifecycles, migrations) in every `npm test`.
 */
export const POOLED_DATABASE_KINDS: DatabaseKind[] = only ?? (pgbouncerPort() ? [...DATABASE_KINDS, "pgbouncer"] : DATABASE_KINDS);

export interface TestDatabase extends DatabaseHandle {
  /** Drops the database (Postgres) and closes every connection. */
  destroy(): Promise<void>;
  /** postgres:// URL the handle was opened with (through PgBouncer for "pgbouncer"; Postgres only). */
  url?: string;
}

let pgliteTemplate: Blob | undefined;
/** The run's migrated PGlite data directory (tests/helpers/database-templates.ts), read once per worker. */
function pgliteTemplateData(): Blob | undefined {
  const file = provided("pgliteTemplate");
  if (file && !pgliteTemplate) pgliteTemplate = new Blob([readFileSync(file)]);
  return pgliteTemplate;
}

/** A brand-new, empty database: in-memory PGlite, or a freshly created Postgres database. */
export async function createEmptyDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  return openScratch(kind, {});
}

async function openScratch(kind: DatabaseKind, from: { pgliteDataDir?: Blob; postgresTemplate?: string }): Promise<TestDatabase> {
  if (kind === "pglite") {
    const handle = await openDatabase({ pgliteDir: "memory://", pgliteDataDir: from.pgliteDataDir });
    return { ...handle, destroy: handle.close };
  }
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("DATABASE_URL is required for Postgres tests");
  const scratch = await createScratchDatabase(serverUrl, "test", { template: from.postgresTemplate });
  const port = kind === "pgbouncer" ? pgbouncerPort() : null;
  if (kind === "pgbouncer" && !port) throw new Error("PgBouncer is not running for this test run");
  const url = port ? pooledUrl(scratch.url, port) : scratch.url;
  const handle = port
    ? await openDatabase({
        url,
        max: 25,
        prepare: false,
        timeouts: { connectMs: 5_000, statementMs: 5_000, idleInTransactionMs: 10_000, serverSide: false },
      })
    : await openDatabase({ url: scratch.url, max: 25 });
  return {
    ...handle,
    url,
    async destroy() {
      await handle.close();
      await scratch.drop();
    },
  };
}

function pooledUrl(url: string, port: number): string {
  const pooled = new URL(url);
  pooled.port = String(port);
  return pooled.toString();
}

/**
 * A database with every migration applied: a copy of the run's migrated template when the global
 * setup made one (tests/helpers/database-templates.ts), otherwise an empty one, migrated.
 */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const pgliteDataDir = kind === "pglite" ? pgliteTemplateData() : undefined;
  const postgresTemplate = kind === "pglite" ? undefined : (provided("postgresTemplate") ?? undefined);
  if (pgliteDataDir || postgresTemplate) return openScratch(kind, { pgliteDataDir, postgresTemplate });
  const handle = await createEmptyDatabase(kind);
  await handle.migrate();
  return handle;
}
