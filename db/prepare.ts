import { logger } from "@/lib/logger";
import { getDatabaseHandle } from "./client";
import { seedDemoAccounts, shouldSeedDemoAccounts } from "./seed";

/**
 * Migrates the app's database and, in development, makes sure the demo accounts exist. A database
 * that is down at start-up must not keep the server from starting: the failure is logged, requests
 * retry the connection, and /api/health reports 503 until it is back.
 */
export async function prepareDatabase(): Promise<void> {
  try {
    const handle = await getDatabaseHandle();
    logger.info({ database: handle.kind }, "database migrated");
    if (shouldSeedDemoAccounts()) await seedDemoAccounts(handle.db);
  } catch (error) {
    logger.error({ err: error }, "database not ready at start-up; will retry on first use");
  }
}
