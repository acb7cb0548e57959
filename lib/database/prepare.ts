import "server-only";
import { env as serverEnv } from "@/env";
import { logger } from "@/lib/logger";
import { databasePreparing, getDatabaseHandle } from "@/db/client";
import { seedDemoAccounts, shouldSeedDemoAccounts } from "./seed";

/** How long start-up waits for the database by default before serving anyway (`DATABASE_STARTUP_WAIT_MS`). */
export const DEFAULT_STARTUP_WAIT_MS = 10_000;

/**
 * How long `register()` may hold the server back: with Postgres, `DATABASE_STARTUP_WAIT_MS`
 * (default 10 s); with the embedded PGlite, until it is ready (in-process, it cannot wait on
 * another instance, and `npm run dev` seeds its demo accounts before the first page).
 */
export function startupWaitMs(env: Record<string, string | undefined> = serverEnv): number {
  if (!env.DATABASE_URL) return Number.POSITIVE_INFINITY;
  const parsed = Number(env.DATABASE_STARTUP_WAIT_MS);
  return env.DATABASE_STARTUP_WAIT_MS && Number.isFinite(parsed) && parsed >= 0 ? parsed : DEFAULT_STARTUP_WAIT_MS;
}

/**
 * Migrates the app's database and, in development, makes sure the demo accounts exist. Resolves
 * when that is done or after `waitMs`, whichever comes first; the preparation goes on in the
 * background. Next.js serves nothing until `register()` returns, so waiting longer (another
 * instance holds the migration lock, or the database accepts connections and never answers) would
 * make /api/health hang instead of answering 503 "starting". A database that is down at start-up
 * must not keep the server from starting either: the failure is logged, requests retry the
 * connection, and /api/health reports 503 until it is back.
 */
export async function prepareDatabase(waitMs = startupWaitMs()): Promise<void> {
  const preparation = (async () => {
    try {
      const handle = await waitForHandle();
      logger.info({ database: handle.kind }, "database migrated");
      if (shouldSeedDemoAccounts()) await seedDemoAccounts(handle.db);
    } catch (error) {
      logger.error({ err: error }, "database not ready at start-up; will retry on first use");
    }
  })();
  if (!Number.isFinite(waitMs)) return preparation;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = await Promise.race([
    preparation.then(() => "done" as const),
    new Promise<"waiting">((resolve) => {
      timer = setTimeout(() => resolve("waiting"), waitMs);
    }),
  ]).finally(() => clearTimeout(timer));
  if (waited === "waiting") {
    logger.warn(
      { waitedMs: waitMs },
      "database still being prepared (migration lock or a slow database); serving with /api/health 503 until it is ready",
    );
  }
}

/**
 * The handle, however long migrating takes: a request gives up waiting for it after its deadline
 * (db/client.ts), but start-up keeps waiting for the preparation that is under way.
 */
async function waitForHandle() {
  for (;;) {
    try {
      return await getDatabaseHandle();
    } catch (error) {
      if ((error as { code?: unknown }).code !== "QUERY_DEADLINE" || !databasePreparing()) throw error;
    }
  }
}
