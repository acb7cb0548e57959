/**
 * Errors that mean "the database cannot be reached or is not answering", whichever driver raised
 * them. Classified by `code` (postgres.js connection codes, Node socket errors, SQLSTATEs) and never
 * by `instanceof`: drizzle wraps driver errors in its own, and a production build may hold several
 * copies of a driver module.
 */
const UNAVAILABLE_CODES = new Set([
  // postgres.js
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  // ours: db/client.ts gave up waiting for a query or a pooled connection
  "QUERY_DEADLINE",
  // Node sockets and DNS
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  // SQLSTATEs: admin/crash shutdown, starting up, too many connections, statement and
  // idle-in-transaction timeouts
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "57014",
  "25P03",
]);

/** SQLSTATE class 08: connection exceptions. */
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

function codeOf(error: unknown): string | null {
  if (!error || typeof error !== "object") return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : null;
}

/**
 * True when `error` (or anything in its `cause` chain) says the database is unreachable or not
 * answering in time: the one test of it (outage marking, retries, metering's fail-open policy).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth += 1) {
    const code = codeOf(current);
    if (code && (UNAVAILABLE_CODES.has(code) || CONNECTION_EXCEPTION.test(code))) return true;
    // PGlite raises plain errors once its WASM instance is closed or has aborted; some drivers and
    // proxies report a dropped connection only in the message.
    if (
      current instanceof Error &&
      /PGlite is closed|RuntimeError: Aborted|connect ECONNREFUSED|Connection terminated/i.test(current.message)
    )
      return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Properties of driver errors that carry the values of a query or of the row it touched: drizzle's
 * `params`, PGlite's `params`/`queryOptions`, postgres.js's `parameters`/`args`/`types` (with its
 * debug option), and Postgres's own `detail` ("Key (email)=(…)", "Failing row contains (…)") and
 * `where` ("unnamed portal parameter $1 = '…'").
 */
const VALUE_BEARING_PROPERTIES = new Set(["params", "parameters", "args", "types", "queryOptions", "detail", "where"]);

/**
 * An error message without query values: drizzle appends "\nparams: …" to every failed query's
 * message, and Postgres quotes the offending value in "invalid input syntax for type uuid: "…"".
 */
export function redactErrorMessage(message: string): string {
  return message
    .replace(/\nparams: [\s\S]*$/, "\nparams: [redacted]")
    .replace(/(invalid input (?:syntax|value) for [^:\n]*): [\s\S]*$/, "$1: [redacted]");
}

/**
 * A copy of `error` that is safe to log: same class, name and code, its message and stack without
 * query parameters, no value-bearing properties, and its `cause` chain (and an AggregateError's
 * `errors`) redacted the same way. The stack keeps only its frames ("    at …"), so a message that
 * held values cannot come back through it. Non-errors are returned as they are.
 */
export function redactErrorForLog(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 8) return error;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  const message = redactErrorMessage(error.message);
  const frames = (error.stack ?? "").split("\n").filter((line) => /^\s+at /.test(line));
  const define = (key: string, value: unknown) =>
    Object.defineProperty(copy, key, { value, enumerable: key !== "message" && key !== "stack", writable: true, configurable: true });
  define("message", message);
  define("stack", [`${error.name}: ${message}`, ...frames].join("\n"));
  for (const key of Object.keys(error)) {
    if (VALUE_BEARING_PROPERTIES.has(key) || ["message", "stack", "cause", "errors"].includes(key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    define(key, typeof value === "string" && key === "query" ? value : redactErrorForLog(value, depth + 1));
  }
  if (error.cause !== undefined) define("cause", redactErrorForLog(error.cause, depth + 1));
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors))
    define(
      "errors",
      errors.map((e) => redactErrorForLog(e, depth + 1)),
    );
  return copy;
}
