import "server-only";
import { env } from "@/env";
import pino from "pino";
import { redactErrorForLog } from "@/db/errors";
import { currentRequestId } from "./request-context";

/**
 * Errors anywhere in a log call's arguments (`{err}`, `{error}`, a bare error, nested a few levels)
 * are replaced by copies without query parameters: drizzle's failed-query errors carry every
 * parameter of the statement (a sign-up's email and bcrypt hash) in their message and properties.
 */
export function redactLogArgument(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return redactErrorForLog(value);
  if (depth >= 3 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redactLogArgument(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactLogArgument(item, depth + 1)]));
}

export const logger = pino({
  level: env.LOG_LEVEL ?? (env.NODE_ENV === "test" ? "silent" : "info"),
  base: { service: "billing" },
  // Every line logged while handling a request carries its id.
  mixin: () => {
    const requestId = currentRequestId();
    return requestId ? { requestId } : {};
  },
  // The cause as an object of its own: a driver error's SQLSTATE `code` and `constraint` stay visible.
  serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
  hooks: {
    logMethod(args, method) {
      method.apply(this, args.map((arg) => redactLogArgument(arg)) as Parameters<typeof method>);
    },
  },
  redact: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.passwordHash", "*.secret", "*.apiKey", "*.card"],
});

const globalForConsole = globalThis as unknown as { __consoleRedacted?: boolean };

/**
 * Errors that reach the console rather than the logger (Next.js prints what a page or a server
 * action throws) lose their query parameters the same way. Installed once per process, on start.
 */
export function redactConsoleErrors(): void {
  if (globalForConsole.__consoleRedacted) return;
  globalForConsole.__consoleRedacted = true;
  for (const level of ["error", "warn"] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => original(...args.map((arg) => redactLogArgument(arg)));
  }
}
