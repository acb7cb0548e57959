import "server-only";
import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { MIGRATIONS_FOLDER, databasePreparing, getDatabaseHandle, selectRows } from "@/db/client";
import { serverDraining } from "@/lib/shutdown";
import { paymentsMode, type PaymentsMode } from "@/lib/stripe/client";
import { pingStripe } from "@/lib/stripe/gateway";

/** The whole check answers within this, whatever hangs. */
export const HEALTH_BUDGET_MS = 1_500;
/** Stripe is probed in the background at most this often; health reports the last result. */
const STRIPE_PROBE_EVERY_MS = 15_000;

export type CheckStatus = "ok" | "down" | "disabled";

export interface HealthReport {
  ok: boolean;
  /** `draining` from SIGTERM on (lib/shutdown.ts): a balancer takes the instance out before it closes. */
  instance: "running" | "draining";
  /** `starting`: the database is still being opened and migrated (e.g. waiting on another instance's migration lock). */
  database: { status: CheckStatus | "starting"; kind?: string; migrations?: "applied" | "pending"; error?: string };
  stripe: { status: CheckStatus | "unknown"; mode: PaymentsMode; checkedAt?: string; error?: string };
}

function withinBudget<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not answer within ${ms} ms`), { code: "TIMEOUT" })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

let expectedMigrations: number | undefined;
function migrationsInRepo(): number {
  expectedMigrations ??= (JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as { entries: unknown[] })
    .entries.length;
  return expectedMigrations;
}

// Once every migration is applied it stays applied: later checks only prove the database answers.
const migrated = new WeakSet<object>();

const STARTING: HealthReport["database"] = { status: "starting", migrations: "pending" };

async function checkDatabase(): Promise<HealthReport["database"]> {
  // Start-up is still migrating (perhaps behind another instance's lock): say so at once.
  if (databasePreparing()) return STARTING;
  const handle = await getDatabaseHandle();
  if (migrated.has(handle)) {
    await (handle.ping ? handle.ping() : handle.db.execute(sql`select 1`));
    return { status: "ok", kind: handle.kind, migrations: "applied" };
  }
  const [row] = await selectRows<{ applied: number | string }>(
    handle.db,
    sql`select count(*) as applied from drizzle.__drizzle_migrations`,
  );
  const applied = Number(row?.applied ?? 0) >= migrationsInRepo();
  if (applied) migrated.add(handle);
  return { status: "ok", kind: handle.kind, migrations: applied ? "applied" : "pending" };
}

// Stripe's reachability is probed off the request path: a hung Stripe never slows /api/health.
const globalForHealth = globalThis as unknown as {
  __stripeProbe?: { at: number; status: "ok" | "down"; error?: string; running?: Promise<void> };
};

function stripeStatus(): HealthReport["stripe"] {
  const mode = paymentsMode();
  if (mode === "disabled") return { status: "disabled", mode };
  const probe = (globalForHealth.__stripeProbe ??= { at: 0, status: "ok" });
  if (!probe.running && Date.now() - probe.at > STRIPE_PROBE_EVERY_MS) {
    probe.running = pingStripe(5_000).then(
      () => {
        Object.assign(probe, { status: "ok", error: undefined, at: Date.now(), running: undefined });
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        Object.assign(probe, { status: "down", error: message, at: Date.now(), running: undefined });
      },
    );
  }
  if (probe.at === 0) return { status: "unknown", mode };
  return { status: probe.status, mode, checkedAt: new Date(probe.at).toISOString(), ...(probe.error ? { error: probe.error } : {}) };
}

const instanceStatus = (): HealthReport["instance"] => (serverDraining() ? "draining" : "running");

/**
 * Database (reachable, migrations applied) checked live within the budget; Stripe from the latest
 * background probe. `ok` is false only for what restarting or re-routing this instance could fix:
 * the database, or the instance shutting down. A Stripe outage is reported but does not fail the check.
 */
export async function checkHealth(): Promise<HealthReport> {
  const stripe = stripeStatus();
  let database: HealthReport["database"];
  try {
    database = await withinBudget(checkDatabase(), HEALTH_BUDGET_MS, "database");
  } catch (error) {
    if (databasePreparing()) return { ok: false, instance: instanceStatus(), database: STARTING, stripe };
    // The error's code only: messages can carry host names and ports.
    const code = (error as { code?: unknown } | null)?.code;
    database = { status: "down", error: typeof code === "string" ? code : "unreachable" };
  }
  const instance = instanceStatus();
  return { ok: instance === "running" && database.status === "ok" && database.migrations === "applied", instance, database, stripe };
}
