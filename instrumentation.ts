/** Runs once per server start: migrate the database (and seed demo accounts in development). */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { redactConsoleErrors } = await import("./lib/logger");
  redactConsoleErrors();
  const { prepareDatabase } = await import("./db/prepare");
  await prepareDatabase();
}
