/** The Postgres SQLSTATE of an error from postgres.js or PGlite, also when Drizzle wraps it. */
import "server-only";
export function pgErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

const CONNECTION_ERRORS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/**
 * True when the database could not be reached or dropped the connection (as opposed to a query
 * that the database refused): what the per-meter fail-open / fail-closed policy is about.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (CONNECTION_ERRORS.has(code) || code.startsWith("08") || code === "57P01" || code === "57P03")) return true;
    const message = e instanceof Error ? e.message : "";
    if (/PGlite is closed|connect ECONNREFUSED|Connection terminated/i.test(message)) return true;
  }
  return false;
}
