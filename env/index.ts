import "server-only";
import { z } from "zod";

/**
 * The environment, typed and validated: the one place app/, lib/, db/ and proxy.ts read
 * `process.env` (tests/unit/env-access.test.ts enforces it; env/client.ts holds the values Next.js
 * inlines into browser bundles). Every variable is declared here with the rule its value must meet.
 *
 * Lazy: a variable is read from `process.env` and validated each time it is accessed, never
 * snapshotted at import, so `next build` needs no secrets and tests may set variables at run time.
 * An invalid value throws `InvalidEnvironmentError` (naming the variable, never echoing its value)
 * where it is used; `environmentProblems()` lists them all at start-up (instrumentation.ts). Nothing
 * is required here: each feature says what it needs when it runs (e.g. lib/auth/secret.ts).
 * Variables whose parser owns the rule and its error (CHECKOUT_UI, STRIPE_TAX, the *_MS settings…)
 * are declared as text, and the parser (taking an `EnvSource`, this object by default) checks them.
 */

/** An empty value counts as unset (`FOO=` in a .env file). */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const text = optional(z.string());
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  optional(z.enum(values, { message: `must be one of: ${values.join(", ")}` }));
const flag = oneOf(["true", "false"]);
const urlWith = (protocols: readonly string[]) =>
  optional(
    z.string().refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL (${protocols.join(" or ")})` },
    ),
  );
const webUrl = urlWith(["http:", "https:"]);
const postgresUrl = urlWith(["postgres:", "postgresql:"]);

const SCHEMA = {
  NODE_ENV: oneOf(["development", "production", "test"]),
  NEXT_RUNTIME: oneOf(["nodejs", "edge"]),
  NEXT_MANUAL_SIG_HANDLE: text,
  VERCEL: text,
  LOG_LEVEL: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),

  // Database (db/client.ts, lib/database/)
  DATABASE_URL: postgresUrl,
  DATABASE_URL_DIRECT: postgresUrl,
  PGLITE_DIR: text,
  DATABASE_CONNECT_TIMEOUT_MS: text,
  DATABASE_STATEMENT_TIMEOUT_MS: text,
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: text,
  DATABASE_SERVER_TIMEOUTS: text,
  DATABASE_PREPARE: text,
  DATABASE_POOLER: text,
  DATABASE_POOL_SIZE: text,
  DATABASE_STARTUP_WAIT_MS: text,
  SEED_DEMO_ACCOUNTS: flag,

  // Sign-in and access
  APP_URL: webUrl,
  NEXTAUTH_URL: webUrl,
  NEXTAUTH_SECRET: text,
  ADMIN_EMAILS: text,
  GITHUB_CLIENT_ID: text,
  GITHUB_CLIENT_SECRET: text,
  GOOGLE_CLIENT_ID: text,
  GOOGLE_CLIENT_SECRET: text,
  BCRYPT_ROUNDS: optional(z.string().regex(/^([4-9]|[12][0-9]|3[01])$/, "must be a whole number from 4 to 31")),
  INTERNAL_API_KEY: text,
  CRON_SECRET: text,
  RATE_LIMITS: oneOf(["on", "off"]),
  RATE_LIMIT_STORE: oneOf(["postgres", "memory"]),

  // Stripe and billing
  STRIPE_SECRET_KEY: text,
  STRIPE_WEBHOOK_SECRET: text,
  NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: text,
  STRIPE_EMULATOR_URL: webUrl,
  STRIPE_EMULATOR_PUBLIC_URL: webUrl,
  STRIPE_TIMEOUT_MS: text,
  STRIPE_MAX_NETWORK_RETRIES: text,
  STRIPE_TAX: text,
  CHECKOUT_UI: text,
  BILLING_GRACE_PERIOD_DAYS: text,
  USAGE_RETENTION_MONTHS: text,

  // Email, alerts, outbound webhooks, shutdown
  SMTP_URL: urlWith(["smtp:", "smtps:"]),
  SMTP_FROM: text,
  SUPPORT_EMAIL: text,
  SALES_EMAIL: text,
  ALERT_WEBHOOK_URL: webUrl,
  OUTBOUND_WEBHOOKS_ALLOW_PRIVATE: flag,
  SHUTDOWN_GRACE_MS: text,
  SHUTDOWN_DEADLINE_MS: text,
} satisfies Record<string, z.ZodType<string | undefined>>;

export type EnvName = keyof typeof SCHEMA;
export type ServerEnv = { readonly [K in EnvName]: z.output<(typeof SCHEMA)[K]> };
/** What the settings parsers read (`env` by default; tests hand them plain records). */
export type EnvSource = Readonly<Record<string, string | undefined>>;

export class InvalidEnvironmentError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Environment variable ${variable} ${reason}.`);
    this.name = "InvalidEnvironmentError";
  }
}

const isDeclared = (name: string): name is EnvName => Object.hasOwn(SCHEMA, name);

function read(name: EnvName, source: EnvSource) {
  const result = SCHEMA[name].safeParse(source[name]);
  if (!result.success) throw new InvalidEnvironmentError(name, result.error.issues[0]?.message ?? "is invalid");
  return result.data;
}

/**
 * The environment: `env.STRIPE_SECRET_KEY` reads and validates `process.env.STRIPE_SECRET_KEY` now.
 * Reading a variable that is not declared above throws, so a new setting cannot bypass the schema.
 */
export const env: ServerEnv = new Proxy({} as ServerEnv, {
  get(_, name) {
    if (typeof name !== "string" || !/^[A-Z][A-Z0-9_]*$/.test(name)) return undefined;
    if (!isDeclared(name)) throw new InvalidEnvironmentError(name, "is not declared in env/index.ts");
    return read(name, process.env);
  },
  has: (_, name) => typeof name === "string" && isDeclared(name) && process.env[name] !== undefined,
  ownKeys: () => Object.keys(SCHEMA).filter((name) => process.env[name] !== undefined),
  getOwnPropertyDescriptor: (_, name) =>
    typeof name === "string" && isDeclared(name) && process.env[name] !== undefined
      ? { value: read(name, process.env), enumerable: true, configurable: true, writable: false }
      : undefined,
  set: () => false,
});

/** Every declared variable whose value breaks its rule, as "NAME reason" lines (values are never echoed). */
export function environmentProblems(source: EnvSource = process.env): string[] {
  return (Object.keys(SCHEMA) as EnvName[]).flatMap((name) => {
    try {
      read(name, source);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  });
}
