import "server-only";
import { sql } from "drizzle-orm";
import { isDatabaseUnavailable } from "@/db/errors";
import { AppError } from "@/lib/errors";
import { markDatabaseOutage } from "./outage";

/**
 * What a request answers when the database is down (db/errors.ts classifies the error): the
 * `database_unavailable` AppError, and the per-process outage marker proxy.ts answers pages 503 from.
 */
export const databaseUnavailable = () =>
  new AppError("database_unavailable", "The database is not reachable right now. Please try again in a moment.");

/** One round trip on the app's database: resolves once it answers. */
async function pingAppDatabase(): Promise<void> {
  const { getDatabaseHandle } = await import("@/db/client");
  const handle = await getDatabaseHandle();
  await (handle.ping ? handle.ping() : handle.db.execute(sql`select 1`));
}

/**
 * True when `error` says the database is unreachable, and then marks the outage for this process:
 * page requests answer 503 from proxy.ts until a ping succeeds (lib/http/outage.ts).
 */
export function noteDatabaseOutage(error: unknown): boolean {
  if (!isDatabaseUnavailable(error)) return false;
  markDatabaseOutage(pingAppDatabase);
  return true;
}

/** The AppError a database outage answers with (marking the outage), or null when `error` is something else. */
export function databaseAppError(error: unknown): AppError | null {
  return noteDatabaseOutage(error) ? databaseUnavailable() : null;
}
