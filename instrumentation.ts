/** Runs once per server start: migrate the database (and seed demo accounts in development). */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { redactConsoleErrors } = await import("./lib/logger");
  redactConsoleErrors();
  const { prepareDatabase } = await import("./db/prepare");
  await prepareDatabase();
}

/**
 * A page or server action that failed because the database is unreachable marks the outage, so
 * proxy.ts answers the page requests that follow with 503 and Retry-After (lib/http/outage.ts).
 */
export async function onRequestError(error: unknown) {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { noteDatabaseOutage } = await import("./db/errors");
  noteDatabaseOutage(error);
}
