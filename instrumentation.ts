/**
 * Runs once per server start. Graceful shutdown is installed first (lib/shutdown.ts; `npm start`
 * sets NEXT_MANUAL_SIG_HANDLE so Next.js leaves SIGTERM to it). Then the database is migrated (and
 * demo accounts seeded in development), waiting at most DATABASE_STARTUP_WAIT_MS with Postgres:
 * Next.js serves nothing until this returns, so an instance waiting on another's migration lock
 * serves anyway, /api/health answering 503 "starting" until the preparation (still running in
 * the background) is done (lib/database/prepare.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { logger, redactConsoleErrors } = await import("./lib/logger");
  redactConsoleErrors();
  // Every invalid variable at once, for the operator; each also fails where it is read (env/index.ts).
  const { environmentProblems } = await import("./env");
  const problems = environmentProblems();
  if (problems.length > 0) logger.error({ problems }, "invalid environment variables");
  // Next.js leaves the signals alone for any non-empty value; then they are ours to handle.
  if (process.env.NEXT_MANUAL_SIG_HANDLE) {
    const { installGracefulShutdown } = await import("./lib/shutdown");
    installGracefulShutdown();
  }
  const { prepareDatabase } = await import("./lib/database/prepare");
  await prepareDatabase();
}

/**
 * A page or server action that failed because the database is unreachable marks the outage, so
 * proxy.ts answers the page requests that follow with 503 and Retry-After (lib/http/outage.ts).
 */
export async function onRequestError(error: unknown) {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { noteDatabaseOutage } = await import("./lib/http/database-outage");
  noteDatabaseOutage(error);
}
