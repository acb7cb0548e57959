import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, type DatabaseHandle } from "@/db/client";

export type DatabaseKind = "pglite" | "postgres";

/** PGlite always; real Postgres too when DATABASE_URL points at a server. */
export const DATABASE_KINDS: DatabaseKind[] = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

export interface TestDatabase extends DatabaseHandle {
  /** Drops the database (Postgres) and closes every connection. */
  destroy(): Promise<void>;
  /** postgres:// URL of this test database (Postgres only). */
  url?: string;
}

/** A brand-new, empty database: in-memory PGlite, or a freshly created Postgres database. */
export async function createEmptyDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const handle = await openDatabase({ pgliteDir: "memory://" });
    return { ...handle, destroy: handle.close };
  }
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("DATABASE_URL is required for Postgres tests");
  const name = `test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), max: 25 });
  return {
    ...handle,
    url: url.toString(),
    async destroy() {
      await handle.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/** An empty database with every migration applied. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const handle = await createEmptyDatabase(kind);
  await handle.migrate();
  return handle;
}
