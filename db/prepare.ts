import { logger } from "@/lib/logger";
import { getDatabaseHandle } from "./client";
import { seedDemoAccounts, shouldSeedDemoAccounts } from "./seed";

/** Migrates the app's database and, in development, makes sure the demo accounts exist. */
export async function prepareDatabase(): Promise<void> {
  const handle = await getDatabaseHandle();
  logger.info({ database: handle.kind }, "database migrated");
  if (shouldSeedDemoAccounts()) await seedDemoAccounts(handle.db);
}
