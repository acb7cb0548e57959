import { databaseOptionsFromEnv, openDatabase } from "@/db/client";
import { runScript } from "./lib/run-script";

runScript(async () => {
  const handle = await openDatabase(databaseOptionsFromEnv());
  try {
    await handle.migrate();
    console.log(`Migrations applied (${handle.kind}).`);
  } finally {
    await handle.close();
  }
});
