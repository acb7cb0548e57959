/**
 * The chaos soak: many customers driven through random lifecycles on test clocks (checkout with
 * and without a trial, upgrades, downgrades, cancel/resume, card updates, renewals that fail and
 * are retried) while the emulator delivers webhooks with chaos on (duplicates, reordering,
 * concurrency) to a separate app process, the database is restarted once and the app is killed
 * (SIGKILL) mid-webhook once. Then the invariant checker compares every subscription, invoice and
 * customer link with the emulator, per account. Every other customer is an organization (an owner and
 * an admin; one of them pays and acts, through the same access check the routes make), the others
 * personal accounts. Everything runs on its own private Postgres and emulator.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { openDatabase, setAppDatabase, type Database, type DatabaseHandle } from "@/db/client";
import { accounts, billingCustomers, memberships, subscriptions, users, webhookEvents, type Subscription } from "@/db/schema";
import { resolveAccount } from "@/lib/accounts/access";
import { startCheckout } from "@/lib/billing/checkout";
import { cancelSubscription, changePlan, resumeSubscription } from "@/lib/billing/plan-change";
import { INTERVALS, PLANS } from "@/lib/billing/plans";
import { isAppError } from "@/lib/errors";
import { pushCatalog } from "@/lib/stripe/catalog-push";
import { createStripeClient } from "@/lib/stripe/client";
import { clearPriceCache } from "@/lib/stripe/gateway";
import { emulatorStripeClient, startEmulator, type EmulatorHandle } from "stripe-emulator";
import { checkInvariants, type InvariantReport } from "./invariants";
import { startPrivatePostgres, type PrivatePostgres } from "./private-postgres";
import { freePort, startTsxProcess, type Child } from "./processes";

export const DAY = 86_400;
export const GOOD_CARD = "4242424242424242";
/** Attaches, then every charge fails: renewals go past_due and are retried. */
export const FAILING_CARD = "4000000000000341";
const SECRET = "whsec_soak";

export interface SoakOptions {
  lifecycles: number;
  concurrency: number;
  /** Deterministic randomness: the same seed drives the same lifecycles. */
  seed?: number;
  /** Base of the emulator's retry backoff (× 2ⁿ, 8 attempts): long enough to outlast the incidents. */
  retryBaseMs?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  lifecycles: number;
  /** Lifecycles whose customer is an organization account (the rest are personal accounts). */
  organizations: number;
  actions: Record<string, number>;
  /** Actions the app refused with a domain error (for example "already on that plan"): expected. */
  refused: number;
  /** Driver calls retried because the database or the app was down at that moment. */
  retried: number;
  events: number;
  failedEvents: number;
  incidents: string[];
  invariants: InvariantReport;
  seconds: number;
}

/** Deterministic randomness (xorshift): the same seed drives the same lifecycles. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) % 1_000_000) / 1_000_000;
  };
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const rand = random(options.seed ?? 20_261_121);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  const started = performance.now();
  const saved = { ...process.env };
  const report: SoakReport = {
    lifecycles: options.lifecycles,
    organizations: 0,
    actions: {},
    refused: 0,
    retried: 0,
    events: 0,
    failedEvents: 0,
    incidents: [],
    invariants: { subscriptions: 0, invoices: 0, customers: 0, accounts: { personal: 0, organization: 0 }, differences: [] },
    seconds: 0,
  };
  let pg: PrivatePostgres | undefined;
  let handle: DatabaseHandle | undefined;
  let emulator: EmulatorHandle | undefined;
  let app: Child | undefined;
  try {
    pg = await startPrivatePostgres();
    handle = await openDatabase({ url: pg.url, max: 10, timeouts: { connectMs: 2_000, statementMs: 5_000, idleInTransactionMs: 10_000 } });
    await handle.migrate();
    setAppDatabase(handle);
    const db = handle.db;
    const appPort = await freePort();
    emulator = await startEmulator({
      port: 0,
      webhookUrl: `http://127.0.0.1:${appPort}/api/billing/webhook`,
      webhookSecret: SECRET,
      testMode: true,
    });
    const emulatorUrl = emulator.url;
    await fetch(`${emulatorUrl}/_emulator/config`, {
      method: "POST",
      body: JSON.stringify({ chaos: { duplicate: true, outOfOrder: true, concurrent: true }, retryBaseMs: options.retryBaseMs ?? 500 }),
    });
    const startApp = () =>
      startTsxProcess(
        "scripts/lib/webhook-app.ts",
        {
          DATABASE_URL: pg!.url,
          WEBHOOK_PORT: String(appPort),
          STRIPE_EMULATOR_URL: emulatorUrl,
          STRIPE_WEBHOOK_SECRET: SECRET,
          LOG_LEVEL: "silent",
          NODE_ENV: "production",
        },
        "webhook app ready",
      );
    app = await startApp();
    Object.assign(process.env, { STRIPE_EMULATOR_URL: emulatorUrl, STRIPE_WEBHOOK_SECRET: SECRET, APP_URL: "http://soak.test" });
    clearPriceCache();
    await pushCatalog(createStripeClient());
    const stripe = emulatorStripeClient(emulatorUrl);
    const T0 = Math.floor(Date.now() / 1000);

    /** Retries a driver call while the database or the app is down; domain refusals pass through. */
    async function steady<T>(call: () => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await call();
        } catch (error) {
          if (isAppError(error) && error.code !== "database_unavailable" && error.code !== "payments_unavailable") throw error;
          if (attempt >= 20) throw error;
          report.retried += 1;
          await sleep(250 * Math.min(attempt, 8));
        }
      }
    }
    const count = (action: string) => (report.actions[action] = (report.actions[action] ?? 0) + 1);

    const purchasable = PLANS.filter((p) => p.purchasable).map((p) => p.id);
    let completed = 0;
    const incidentAt = [Math.max(1, Math.floor(options.lifecycles / 3)), Math.max(2, Math.floor((2 * options.lifecycles) / 3))];
    let incidents: Promise<void> = Promise.resolve();

    /** Members of organizations, whose own accounts must end with no billing at all. */
    const orgMembers: string[] = [];

    /**
     * The account lifecycle `i` bills and the member acting for it: the user's personal account, or
     * (every other lifecycle) an organization with an owner and an admin, one of whom acts, its
     * access resolved as the billing routes resolve it.
     */
    async function subjectFor(i: number) {
      const [user] = await steady(() =>
        db
          .insert(users)
          .values({ email: `soak-${i}-${Date.now()}@example.com`, name: "Soak" })
          .returning(),
      );
      if (i % 2 === 0) return { user, accountId: user.id, name: user.name };
      const [admin] = await steady(() =>
        db
          .insert(users)
          .values({ email: `soak-${i}-admin-${Date.now()}@example.com`, name: "Soak Admin" })
          .returning(),
      );
      const name = `Soak Org ${i}`;
      const org = await steady(() =>
        db.transaction(async (tx) => {
          const [account] = await tx.insert(accounts).values({ kind: "organization", name }).returning();
          await tx.insert(memberships).values([
            { accountId: account.id, userId: user.id, role: "owner" },
            { accountId: account.id, userId: admin.id, role: "admin" },
          ]);
          return account;
        }),
      );
      orgMembers.push(user.id, admin.id);
      report.organizations += 1;
      const actor = i % 4 === 1 ? user : admin;
      const access = await steady(() => resolveAccount(db, { user: actor, apiKeyId: null }, org.id, "manage"));
      return { user: actor, accountId: access.accountId, name };
    }

    async function lifecycle(i: number) {
      const { user, accountId, name } = await subjectFor(i);
      const clock = await steady(() => stripe.testHelpers.testClocks.create({ frozen_time: T0 }));
      let now = T0;
      const customer = await steady(() => stripe.customers.create({ email: user.email, test_clock: clock.id, metadata: { accountId } }));
      await steady(() => db.insert(billingCustomers).values({ accountId, providerCustomerId: customer.id, email: user.email }));
      const plan = rand() < 0.5 ? "pro" : "scale";
      const interval = rand() < 0.7 ? "month" : "year";
      const card = rand() < 0.8 ? GOOD_CARD : FAILING_CARD;
      const { url } = await steady(() => startCheckout({ id: accountId, email: user.email, name }, plan, interval));
      const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1];
      const done = await fetch(`${emulatorUrl}/_emulator/checkout/sessions/${sessionId}/complete`, {
        method: "POST",
        body: JSON.stringify({ card }),
      });
      count(done.ok ? `checkout ${plan === "pro" ? "with trial" : "without trial"}` : "checkout declined");
      if (!done.ok) return;
      const subscription = await waitForSubscriptionRow(db, accountId, steady, 90_000);
      if (!subscription) return;

      const steps = 2 + Math.floor(rand() * 4);
      for (let s = 0; s < steps; s += 1) {
        const action = pick(["change", "change", "cancel", "resume", "card", "advance", "advance"] as const);
        try {
          if (action === "change") {
            await steady(() => changePlan(accountId, { plan: pick(purchasable), interval: pick(INTERVALS) }));
          } else if (action === "cancel") {
            await steady(() => cancelSubscription(accountId));
          } else if (action === "resume") {
            await steady(() => resumeSubscription(accountId));
          } else if (action === "card") {
            const pm = await steady(() =>
              stripe.paymentMethods.create({
                type: "card",
                card: { number: rand() < 0.7 ? GOOD_CARD : FAILING_CARD, exp_month: 12, exp_year: 2035, cvc: "123" },
              } as Stripe.PaymentMethodCreateParams),
            );
            await steady(() => stripe.paymentMethods.attach(pm.id, { customer: customer.id }));
            await steady(() => stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } }));
            await steady(() => stripe.subscriptions.update(subscription.providerSubscriptionId, { default_payment_method: pm.id }));
          } else {
            // A month and a few days on: renewals, trial ends, failed payments and their retries.
            now += 31 * DAY + Math.floor(rand() * 6 * DAY);
            await steady(() => stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: now }));
          }
          count(action);
        } catch (error) {
          if (!isAppError(error) && !(error as { type?: string }).type?.startsWith("Stripe")) throw error;
          report.refused += 1; // e.g. "already on that plan", "no subscription" after it ended
        }
        await sleep(20);
      }

      completed += 1;
      if (completed === incidentAt[0]) {
        incidents = incidents.then(async () => {
          log(`incident: restarting the database after ${completed} lifecycles`);
          pg!.stop();
          await sleep(1_000);
          pg!.start();
          report.incidents.push("database restarted");
        });
      }
      if (completed === incidentAt[1]) {
        incidents = incidents.then(async () => {
          const [inFlight] = await steady(() =>
            db.select({ id: webhookEvents.id }).from(webhookEvents).where(eq(webhookEvents.status, "received")).limit(1),
          );
          log(`incident: SIGKILL of the app ${inFlight ? `while ${inFlight.id} is in flight` : "between webhooks"}`);
          await app!.kill("SIGKILL");
          app = await startApp();
          report.incidents.push(`app killed (SIGKILL)${inFlight ? " mid-webhook" : ""}`);
        });
      }
      if (completed % 50 === 0) log(`${completed}/${options.lifecycles} lifecycles`);
    }

    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, options.lifecycles) }, async () => {
        while (next < options.lifecycles) await lifecycle(next++);
      }),
    );
    await incidents;
    log("all lifecycles driven; waiting for every webhook delivery and retry…");
    await emulator.flushDeliveries();
    const stored = await db.select({ status: webhookEvents.status }).from(webhookEvents);
    report.events = stored.length;
    report.failedEvents = stored.filter((e) => e.status === "failed" || e.status === "received").length;
    report.invariants = await checkInvariants(db, stripe);
    // An organization's billing is its own: its members' personal accounts have none.
    for (const member of orgMembers) {
      const own = await db.select({ id: subscriptions.id }).from(subscriptions).where(eq(subscriptions.accountId, member));
      const customers = await db.select({ id: billingCustomers.id }).from(billingCustomers).where(eq(billingCustomers.accountId, member));
      if (own.length + customers.length > 0)
        report.invariants.differences.push(
          `member ${member}: ${own.length} subscription(s), ${customers.length} customer(s) on the personal account`,
        );
    }
    if (process.env.SOAK_DEBUG) {
      const deliveries = (await (await fetch(`${emulatorUrl}/_emulator/deliveries`)).json()) as {
        data: Array<{ status_code: number | null; error: string | null; attempt: number }>;
      };
      const summary = new Map<string, number>();
      for (const d of deliveries.data)
        summary.set(
          `${d.status_code} ${d.error ?? ""} attempt ${d.attempt}`,
          (summary.get(`${d.status_code} ${d.error ?? ""} attempt ${d.attempt}`) ?? 0) + 1,
        );
      log(JSON.stringify([...summary], null, 1));
      log(app?.output().slice(-3000) ?? "");
    }
    return report;
  } finally {
    report.seconds = (performance.now() - started) / 1000;
    await app?.kill("SIGKILL");
    await emulator?.stop();
    await handle?.close().catch(() => {});
    pg?.destroy();
    process.env = saved;
  }
}

/**
 * The subscription row a checkout's webhooks make for `userId`, polled every 100 ms through `steady`
 * (the caller's retry of a call that met an incident) for up to `waitMs`: its webhook may be waiting
 * out an incident, the emulator's retries backing off. Undefined when it never came.
 */
export async function waitForSubscriptionRow(
  db: Database,
  userId: string,
  steady: <T>(call: () => Promise<T>) => Promise<T>,
  waitMs: number,
): Promise<Subscription | undefined> {
  const until = Date.now() + waitMs;
  while (Date.now() < until) {
    const [row] = await steady(() => db.select().from(subscriptions).where(eq(subscriptions.accountId, userId)).limit(1));
    if (row) return row;
    await sleep(100);
  }
  return undefined;
}

export function formatSoakReport(report: SoakReport): string {
  const lines = [
    `soak: ${report.lifecycles} lifecycles (${report.organizations} of organizations) in ${report.seconds.toFixed(0)} s`,
    `  actions: ${Object.entries(report.actions)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}; refused by the app ${report.refused}; driver retries during incidents ${report.retried}`,
    `  incidents: ${report.incidents.join("; ") || "none"}`,
    `  webhook events stored ${report.events}, not processed ${report.failedEvents}`,
    `  invariants: ${report.invariants.subscriptions} subscriptions, ${report.invariants.invoices} invoices, ${report.invariants.customers} customers (${report.invariants.accounts.personal} personal, ${report.invariants.accounts.organization} organization accounts) compared: ${report.invariants.differences.length} differences`,
    ...report.invariants.differences.slice(0, 50).map((d) => `    ${d}`),
  ];
  return lines.join("\n");
}
