import { openDatabase, type DatabaseHandle } from "@/db/client";
import { createScratchDatabase } from "@/scripts/lib/scratch-database";

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
  const scratch = await createScratchDatabase(serverUrl, "test");
  const handle = await openDatabase({ url: scratch.url, max: 25 });
  return {
    ...handle,
    url: scratch.url,
    async destroy() {
      await handle.close();
      await scratch.drop();
    },
  };
}

/** An empty database with every migration applied. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const handle = await createEmptyDatabase(kind);
  await handle.migrate();
  return handle;
}
