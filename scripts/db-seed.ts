import { databaseOptionsFromEnv, openDatabase } from "@/db/client";
import { seedDemoAccounts } from "@/lib/database/seed";
import { runScript } from "./lib/run-script";

runScript(async () => {
  const handle = await openDatabase(databaseOptionsFromEnv());
  try {
    await handle.migrate();
    await seedDemoAccounts(handle.db);
  } finally {
    await handle.close();
  }
});
