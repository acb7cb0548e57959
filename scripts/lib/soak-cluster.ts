/**
 * The cluster soak: the chaos soak's random lifecycles driven THROUGH THE LOAD BALANCER of a
 * cluster (scripts/lib/cluster.ts: N `next start` instances behind HAProxy, PgBouncer in transaction
 * mode, one private Postgres, the emulator delivering webhooks with chaos to the balancer), over HTTP
 * as signed-in users and API clients do: Checkout, plan changes (preview, then the previewed
 * proration date), cancel, resume, card changes and test-clock advances, consumes with idempotency
 * keys (some retried), batches (with a key repeated inside), bursts of concurrent consumes against
 * the limit, metered overage, and reservations (in-process, through the pooler, as a worker using
 * `lib/billing/metering` would). During the run one instance is SIGKILLed and started again,
 * PgBouncer is restarted and Postgres is stopped for a few seconds; the driver retries calls that
 * meet a 502/503/504 or a reset connection and counts them. Then every delivery is waited for, the
 * usage reporter and the delivery job run through the balancer, and the invariant checker
 * (scripts/lib/invariants.ts) compares the database with Stripe and with what the driver was told.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { encode } from "next-auth/jwt";
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { databaseOptionsFromEnv, openDatabase, setAppDatabase, type DatabaseHandle } from "@/db/client";
import { billingCustomers, notifications, users, webhookEvents } from "@/db/schema";
import { finalize, release, reserve } from "@/lib/billing/metering";
import { INTERVALS, PLANS } from "@/lib/billing/plans";
import { isAppError } from "@/lib/errors";
import { clearPriceCache } from "@/lib/stripe/gateway";
import { emulatorStripeClient } from "stripe-emulator";
import { startSmtpCapture } from "../../tests/helpers/smtp";
import { startCluster, type Cluster } from "./cluster";
import { DAY, FAILING_CARD, GOOD_CARD, random, waitForSubscriptionRow } from "./soak";
import { checkClusterInvariants, checkInvariants, type ClusterInvariantReport, type InvariantReport, type UsageLedger } from "./invariants";

/** Declined at Checkout: the user stays on Free (and exercises Free's small limits). */
const DECLINED_CARD = "4000000000000002";

export interface ClusterSoakOptions {
  lifecycles: number;
  concurrency: number;
  instances?: number;
  seed?: number;
  /** Base of the emulator's retry backoff (× 2ⁿ): long enough to outlast the incidents. */
  retryBaseMs?: number;
  /** Balancer port (default: a free one). */
  port?: number;
  log?: (line: string) => void;
}

export interface ClusterSoakReport {
  lifecycles: number;
  instances: number;
  actions: Record<string, number>;
  /** Actions the app refused with a 4xx domain answer (for example "already on that plan"): expected. */
  refused: number;
  /** HTTP answers by status, over every driver call through the balancer. */
  statuses: Record<string, number>;
  /** Driver calls retried after a 502/503/504 or a reset connection (during incidents). */
  retried: number;
  incidents: string[];
  /** Webhook events still `received` or `failed` once every delivery and retry was done (before any job). */
  unfinishedAfterDeliveries: number;
  usageReports: Array<{ sent: number; duplicates: number; units: number; skipped: number }>;
  invariants: InvariantReport;
  cluster: ClusterInvariantReport;
  seconds: number;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {}
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
}

const RETRY_STATUSES = new Set([502, 503, 504]);

/** 401 api_access_not_in_plan: the account lost the plan feature (its subscription ended), the key waits. */
const keyPaused = (answer: HttpAnswer) => answer.status === 401 && answer.body.error === "api_access_not_in_plan";

export async function runClusterSoak(options: ClusterSoakOptions): Promise<ClusterSoakReport> {
  const log = options.log ?? (() => {});
  const rand = random(options.seed ?? 20_261_203);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  const started = performance.now();
  const saved = { ...process.env };
  const instances = options.instances ?? 3;
  const report: ClusterSoakReport = {
    lifecycles: options.lifecycles,
    instances,
    actions: {},
    refused: 0,
    statuses: {},
    retried: 0,
    incidents: [],
    unfinishedAfterDeliveries: 0,
    usageReports: [],
    invariants: { subscriptions: 0, invoices: 0, customers: 0, accounts: { personal: 0, organization: 0 }, differences: [] },
    cluster: emptyClusterReport(),
    seconds: 0,
  };
  const smtp = await startSmtpCapture();
  let cluster: Cluster | undefined;
  let direct: DatabaseHandle | undefined;
  let pooled: DatabaseHandle | undefined;
  try {
    cluster = await startCluster({
      instances,
      chaos: true,
      port: options.port,
      env: { SMTP_URL: smtp.url, LOG_LEVEL: "error", DATABASE_POOL_SIZE: "5" },
      log: (line) => {
        if (!line.startsWith("[app ") || /exited|error|Error/.test(line)) log(line);
      },
    });
    const c = cluster;
    await fetch(`${c.emulatorUrl}/_emulator/config`, { method: "POST", body: JSON.stringify({ retryBaseMs: options.retryBaseMs ?? 500 }) });
    // The driver's own connections: direct for set-up and the checker; pooled (exactly as an instance
    // connects) for reservations, which have no HTTP route: a worker using lib/billing/metering.
    direct = await openDatabase({
      url: c.databaseUrl,
      max: 4,
      timeouts: { connectMs: 2_000, statementMs: 10_000, idleInTransactionMs: 10_000 },
    });
    pooled = await openDatabase({ ...databaseOptionsFromEnv(c.env), max: 4 });
    setAppDatabase(pooled);
    Object.assign(process.env, { STRIPE_EMULATOR_URL: c.emulatorUrl, STRIPE_WEBHOOK_SECRET: c.webhookSecret, APP_URL: c.url });
    clearPriceCache();
    const db = direct.db;
    const stripe = emulatorStripeClient(c.emulatorUrl);
    const T0 = Math.floor(Date.now() / 1000);
    // The catalog set-up's events were sent before the balancer listened (refused, then retried
    // with backoff): not the soak's deliveries.
    const before = new Set<string>();
    for await (const event of stripe.events.list({ limit: 100 })) before.add(event.id);
    const ledger: UsageLedger = new Map();
    const count = (action: string) => (report.actions[action] = (report.actions[action] ?? 0) + 1);

    /** Anything that is not the app's own answer (connection refused or reset, a DB down) is retried. */
    async function steady<T>(call: () => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await call();
        } catch (error) {
          const transient = !isAppError(error) || error.code === "database_unavailable" || error.code === "payments_unavailable";
          const stripeDomain =
            (error as { type?: string }).type === "StripeInvalidRequestError" || (error as { type?: string }).type === "StripeCardError";
          if (!transient || stripeDomain || attempt >= 30) throw error;
          report.retried += 1;
          await sleep(200 * Math.min(attempt, 10));
        }
      }
    }

    /** One call through the balancer, retried on 502/503/504 and network errors (counted). */
    async function http(
      path: string,
      init: { method?: string; body?: unknown; cookie?: string; apiKey?: string; ip: string; headers?: Record<string, string> },
    ): Promise<HttpAnswer> {
      const headers: Record<string, string> = { "x-forwarded-for": init.ip, origin: c.url, ...init.headers };
      if (init.cookie) headers.cookie = `next-auth.session-token=${init.cookie}`;
      if (init.apiKey) headers.authorization = `Bearer ${init.apiKey}`;
      const method = init.method ?? (init.body === undefined ? "GET" : "POST");
      if (method !== "GET") headers["content-type"] = "application/json";
      for (let attempt = 1; ; attempt += 1) {
        let status = 0;
        let body: Record<string, unknown> = {};
        try {
          const res = await fetch(`${c.url}${path}`, {
            method,
            headers,
            body: method === "GET" ? undefined : JSON.stringify(init.body ?? {}),
            signal: AbortSignal.timeout(60_000),
          });
          status = res.status;
          const text = await res.text();
          body = text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : { text: text.slice(0, 200) };
        } catch {
          status = 0; // reset, refused, timed out
        }
        report.statuses[status] = (report.statuses[status] ?? 0) + 1;
        if ((status === 0 || RETRY_STATUSES.has(status)) && attempt < 40) {
          report.retried += 1;
          await sleep(250 * Math.min(attempt, 8));
          continue;
        }
        if (status === 429 && attempt < 40) {
          await sleep(1_000);
          continue;
        }
        return new HttpAnswer(status, body);
      }
    }

    function record(userId: string, key: string, quantity: number, allowed: boolean) {
      const mine = ledger.get(userId) ?? new Map();
      ledger.set(userId, mine);
      const known = mine.get(key);
      // A retry of the same key must get the same answer.
      if (known && known.allowed !== allowed)
        report.cluster.differences.push(`user ${userId}: key ${key} answered allowed=${known.allowed}, then ${allowed}`);
      mine.set(key, { quantity, allowed });
    }

    const purchasable = PLANS.filter((p) => p.purchasable).map((p) => p.id);
    let completed = 0;
    const quarter = (n: number) => Math.max(n, Math.floor((n * options.lifecycles) / 4));
    const incidentAt = [quarter(1), quarter(2), quarter(3)];
    let incidents: Promise<void> = Promise.resolve();
    const victim = instances - 1;

    async function lifecycle(i: number) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      const [user] = await steady(() =>
        db
          .insert(users)
          .values({ email: `cluster-soak-${i}-${T0}@example.com`, name: "Soak", emailVerifiedAt: new Date() })
          .returning(),
      );
      const cookie = await encode({ token: { sub: user.id }, secret: c.env.NEXTAUTH_SECRET });
      const clock = await steady(() => stripe.testHelpers.testClocks.create({ frozen_time: T0 }));
      let now = T0;
      const customer = await steady(() =>
        stripe.customers.create({ email: user.email, test_clock: clock.id, metadata: { userId: user.id } }),
      );
      await steady(() => db.insert(billingCustomers).values({ accountId: user.id, providerCustomerId: customer.id, email: user.email }));
      const plan = rand() < 0.5 ? "pro" : "scale";
      const interval = rand() < 0.7 ? "month" : "year";
      const roll = rand();
      const card = roll < 0.75 ? GOOD_CARD : roll < 0.9 ? FAILING_CARD : DECLINED_CARD;
      let keySeq = 0;
      const key = () => `soak-${i}-${(keySeq += 1)}`;

      /** One consume over the usage API; `repeat` sends the same key again, as a client retry would. */
      async function consume(auth: { cookie?: string; apiKey?: string }, meter: string, quantity: number, repeat = false) {
        const k = key();
        const first = await http("/api/billing/usage", { ...auth, ip, body: { meter, quantity, idempotencyKey: k } });
        // The key is paused once the subscription ended (its webhook may land between two calls):
        // the call never reached metering, so the key was neither counted nor refused.
        if (keyPaused(first)) return first;
        if (first.status !== 200 && first.status !== 402)
          throw new Error(`consume answered ${first.status}: ${JSON.stringify(first.body)}`);
        record(user.id, k, quantity, first.status === 200);
        if (repeat) {
          const again = await http("/api/billing/usage", { ...auth, ip, body: { meter, quantity, idempotencyKey: k } });
          if (keyPaused(again)) return first;
          if (again.status !== 200 && again.status !== 402)
            throw new Error(`consume (same key again) answered ${again.status}: ${JSON.stringify(again.body)}`);
          record(user.id, k, quantity, again.status === 200);
          if (first.status === 200 && again.body.used !== first.body.used) {
            report.cluster.differences.push(
              `user ${user.id}: key ${k} answered used=${String(first.body.used)}, then ${again.status} used=${String(again.body.used)}`,
            );
          }
        }
        return first;
      }

      const checkout = await http("/api/billing/checkout", { cookie, ip, body: { plan, interval } });
      const sessionId = /\/(cs_[A-Za-z0-9_]+)/.exec(String(checkout.body.url ?? ""))?.[1];
      if (!sessionId) throw new Error(`checkout answered ${checkout.status}: ${JSON.stringify(checkout.body)}`);
      const done = await fetch(`${c.emulatorUrl}/_emulator/checkout/sessions/${sessionId}/complete`, {
        method: "POST",
        body: JSON.stringify({ card }),
      });
      count(done.ok ? `checkout ${plan === "pro" ? "with trial" : "without trial"}` : "checkout declined");

      if (!done.ok) {
        // Free: a burst of demo jobs (limit 5) from the signed-in browser, then more than the
        // api_calls allowance at once over the usage API: the limit holds under concurrency.
        const jobs = await Promise.all(
          Array.from({ length: 8 }, async () => {
            const k = key();
            const answer = await http("/api/demo/jobs", { cookie, ip, body: {}, headers: { "idempotency-key": k } });
            if (answer.status !== 200 && answer.status !== 402)
              throw new Error(`demo job answered ${answer.status}: ${JSON.stringify(answer.body)}`);
            record(user.id, k, 1, answer.status === 200);
            return answer.status;
          }),
        );
        count("free job burst");
        if (jobs.filter((s) => s === 200).length > 5)
          report.cluster.differences.push(`user ${user.id}: ${jobs.filter((s) => s === 200).length} demo jobs allowed on Free (limit 5)`);
        await Promise.all(Array.from({ length: 4 }, () => consume({ cookie }, "api_calls", 300)));
        count("free consume burst");
      } else {
        // Its webhook may be waiting out an incident (retries back off for a minute or two).
        const subscription = await waitForSubscriptionRow(db, user.id, steady, 180_000);
        if (!subscription) throw new Error(`user ${user.id}: no subscription row after checkout`);
        let apiKey: string | undefined;

        const steps = 3 + Math.floor(rand() * 5);
        for (let s = 0; s < steps; s += 1) {
          const action = pick([
            "change",
            "change",
            "cancel",
            "resume",
            "card",
            "advance",
            "advance",
            "consume",
            "batch",
            "burst",
            "overage",
            "reserve",
          ] as const);
          let refused = false;
          if (action === "change") {
            const target = { plan: pick(purchasable), interval: pick(INTERVALS) };
            const preview = await http("/api/billing/subscription/change", { cookie, ip, body: { ...target, preview: true } });
            if (preview.ok) {
              const applied = await http("/api/billing/subscription/change", {
                cookie,
                ip,
                body: { ...target, prorationDate: preview.body.prorationDate },
              });
              refused = !applied.ok;
              if (applied.status >= 500) throw new Error(`plan change answered ${applied.status}: ${JSON.stringify(applied.body)}`);
            } else {
              refused = true;
              if (preview.status >= 500) throw new Error(`plan change preview answered ${preview.status}: ${JSON.stringify(preview.body)}`);
            }
          } else if (action === "cancel" || action === "resume") {
            const answer = await http(`/api/billing/subscription/${action}`, { cookie, ip, body: {} });
            if (answer.status >= 500) throw new Error(`${action} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
            refused = !answer.ok;
          } else if (action === "card") {
            const pm = await steady(() =>
              stripe.paymentMethods.create({
                type: "card",
                card: { number: rand() < 0.7 ? GOOD_CARD : FAILING_CARD, exp_month: 12, exp_year: 2035, cvc: "123" },
              } as Stripe.PaymentMethodCreateParams),
            );
            await steady(() => stripe.paymentMethods.attach(pm.id, { customer: customer.id }));
            await steady(() => stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } }));
            await steady(() =>
              stripe.subscriptions.update(subscription.providerSubscriptionId, { default_payment_method: pm.id }).then(
                () => undefined,
                () => (refused = true),
              ),
            );
          } else if (action === "advance") {
            // A month and a few days on: renewals, trial ends, failed payments and their retries.
            now += 31 * DAY + Math.floor(rand() * 6 * DAY);
            await steady(() => stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: now }));
          } else {
            // Usage needs an API key (a plan feature; a subscription that ended has none).
            if (!apiKey) {
              const created = await http("/api/billing/api-keys", { cookie, ip, body: { name: "soak" } });
              if (created.status === 201) apiKey = String(created.body.key);
              else if (created.status >= 500) throw new Error(`api key answered ${created.status}: ${JSON.stringify(created.body)}`);
            }
            const auth = apiKey ? { apiKey } : { cookie };
            if (action === "consume") {
              refused = keyPaused(await consume(auth, pick(["api_calls", "jobs", "tokens"]), 1 + Math.floor(rand() * 20), true));
            } else if (action === "batch") {
              const keys = [key(), key(), key(), key()];
              const events = keys.map((k, n) => ({ meter: n % 2 ? "api_calls" : "jobs", quantity: 1 + n, idempotencyKey: k }));
              events.push({ ...events[0] }); // repeated inside the batch: counts once
              const answer = await http("/api/billing/usage", { ...auth, ip, body: { events } });
              if (keyPaused(answer)) refused = true;
              else if (answer.status !== 200) throw new Error(`batch answered ${answer.status}: ${JSON.stringify(answer.body)}`);
              else {
                const results = answer.body.results as Array<{ idempotencyKey: string; allowed: boolean; error?: string }>;
                for (const [n, r] of results.entries())
                  if (r.error !== "conflict") record(user.id, r.idempotencyKey, events[n].quantity, r.allowed);
              }
            } else if (action === "burst") {
              // More than the allowance, at once, through different instances: the limit holds.
              const quota = await http("/api/billing/quota", { ...auth, ip });
              const meters = quota.body.meters as Record<string, { limit: number | null; used: number }> | undefined;
              const limit = meters?.api_calls?.limit;
              if (limit) {
                const answers = await Promise.all(Array.from({ length: 4 }, () => consume(auth, "api_calls", Math.ceil(limit * 0.3))));
                refused = answers.some(keyPaused);
              } else refused = true;
            } else if (action === "overage") {
              // Past the included tokens: billed overage on a paid plan, reported to the Stripe meter.
              const quota = await http("/api/billing/quota", { ...auth, ip });
              const tokens = (quota.body.meters as Record<string, { limit: number | null; used: number }> | undefined)?.tokens;
              if (tokens?.limit)
                refused = keyPaused(
                  await consume(auth, "tokens", Math.max(1, tokens.limit - tokens.used) + 1 + Math.floor(rand() * 5_000), true),
                );
              else refused = true;
            } else {
              try {
                const hold = await steady(() => reserve(user.id, "tokens", 4_000, { ttlSeconds: 300 }));
                if (hold.allowed && hold.reservationId) {
                  if (rand() < 0.7) await steady(() => finalize(user.id, hold.reservationId!, 1 + Math.floor(rand() * 5_000)));
                  else await steady(() => release(user.id, hold.reservationId!));
                } else refused = true;
              } catch (error) {
                if (!isAppError(error)) throw error;
                refused = true;
              }
            }
          }
          if (refused) report.refused += 1;
          else count(action);
          await sleep(20);
        }
      }

      completed += 1;
      if (completed === incidentAt[0]) {
        incidents = incidents.then(async () => {
          log(`incident: SIGKILL of instance ${victim} after ${completed} lifecycles`);
          await c.kill(victim, "SIGKILL");
          await sleep(500);
          await c.start(victim);
          report.incidents.push(`instance ${victim} killed (SIGKILL) and started again`);
        });
      }
      if (completed === incidentAt[1]) {
        incidents = incidents.then(async () => {
          log(`incident: restarting PgBouncer after ${completed} lifecycles`);
          await c.restartPooler();
          report.incidents.push("PgBouncer restarted");
        });
      }
      if (completed === incidentAt[2]) {
        incidents = incidents.then(async () => {
          log(`incident: stopping Postgres for 3 s after ${completed} lifecycles`);
          await c.stopDatabase(3_000);
          report.incidents.push("Postgres stopped for 3 s");
        });
      }
      if (completed % 50 === 0) log(`${completed}/${options.lifecycles} lifecycles (${report.retried} retries so far)`);
    }

    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, options.lifecycles) }, async () => {
        while (next < options.lifecycles) {
          const i = next++;
          // An unexpected answer (a 5xx past the retries, a missing subscription) is a finding: it
          // is reported with the invariants, and the run goes on.
          await lifecycle(i).catch((error: unknown) => {
            report.cluster.differences.push(`lifecycle ${i}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500));
            completed += 1;
          });
        }
      }),
    );
    await incidents;
    log("all lifecycles driven; waiting for every webhook delivery and retry…");
    await c.emulator.flushDeliveries();
    report.unfinishedAfterDeliveries = (await steady(() => db.select({ status: webhookEvents.status }).from(webhookEvents))).filter(
      (e) => e.status === "received" || e.status === "failed",
    ).length;

    // The cron jobs through the balancer, twice at once (two instances): nothing may be done twice.
    const cron = (path: string) => http(path, { ip: "127.0.0.1", headers: { authorization: `Bearer ${c.env.CRON_SECRET}` } });
    for (const answer of await Promise.all([cron("/api/cron/usage-report"), cron("/api/cron/usage-report")])) {
      if (answer.status !== 200) throw new Error(`usage report answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      report.usageReports.push(answer.body as ClusterSoakReport["usageReports"][number]);
    }
    // Minutes pass: an email an incident left leased (claimed by the instance that was killed) or
    // backing off (its send or its "sent" mark failed while Postgres was down) is due again, as it
    // would be by the next scheduled run; the job must then send each exactly once.
    await db.update(notifications).set({ nextAttemptAt: new Date() }).where(eq(notifications.status, "pending"));
    for (const answer of await Promise.all([cron("/api/cron/deliver"), cron("/api/cron/deliver")])) {
      if (answer.status !== 200) throw new Error(`delivery job answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    await c.emulator.flushDeliveries();

    report.invariants = await checkInvariants(db, stripe);
    const deliveries = (await (await fetch(`${c.emulatorUrl}/_emulator/deliveries`)).json()) as {
      data: Array<{ event_id: string; event_type: string; status_code: number | null }>;
    };
    const clusterChecks = await checkClusterInvariants(db, stripe, {
      ledger,
      mails: smtp.received,
      deliveries: deliveries.data,
      before,
      from: T0 - 400 * DAY,
      to: nowSeconds() + 20 * 365 * DAY,
    });
    clusterChecks.differences.unshift(...report.cluster.differences);
    report.cluster = clusterChecks;
    return report;
  } finally {
    report.seconds = (performance.now() - started) / 1000;
    await pooled?.close().catch(() => {});
    await direct?.close().catch(() => {});
    await cluster?.stop();
    await smtp.close();
    process.env = saved;
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function emptyClusterReport(): ClusterInvariantReport {
  return {
    counters: 0,
    usageEvents: 0,
    refusedKeys: 0,
    billableEvents: 0,
    meterEventUnits: 0,
    webhookEvents: {},
    webhookRetriedProcessing: 0,
    notifications: {},
    mails: 0,
    differences: [],
  };
}

export function formatClusterSoakReport(report: ClusterSoakReport): string {
  const k = report.cluster;
  const lines = [
    `cluster soak: ${report.lifecycles} lifecycles through ${report.instances} instances in ${report.seconds.toFixed(0)} s`,
    `  actions: ${Object.entries(report.actions)
      .map(([a, n]) => `${a} ${n}`)
      .join(", ")}; refused by the app ${report.refused}`,
    `  HTTP answers: ${Object.entries(report.statuses)
      .map(([s, n]) => `${s === "0" ? "no answer (reset/refused)" : s} ${n}`)
      .join(", ")}; driver retries during incidents ${report.retried}`,
    `  incidents: ${report.incidents.join("; ") || "none"}`,
    `  webhook events: ${Object.entries(k.webhookEvents)
      .map(([s, n]) => `${s} ${n}`)
      .join(
        ", ",
      )}; left received/failed after all deliveries ${report.unfinishedAfterDeliveries}; processed again after a failed attempt ${k.webhookRetriedProcessing}`,
    `  usage: ${k.usageEvents} usage events over ${k.counters} counters; ${k.refusedKeys} refused keys recorded nowhere; ${k.billableEvents} billable events = ${k.meterEventUnits} units at the Stripe meter; reporter runs ${report.usageReports
      .map((r) => `sent ${r.sent}/duplicates ${r.duplicates}`)
      .join(", ")}`,
    `  notifications: ${
      Object.entries(k.notifications)
        .map(([s, n]) => `${s} ${n}`)
        .join(", ") || "none"
    }; emails received ${k.mails}`,
    `  invariants: ${report.invariants.subscriptions} subscriptions, ${report.invariants.invoices} invoices, ${report.invariants.customers} customers compared with Stripe: ${report.invariants.differences.length} differences; cluster checks: ${k.differences.length} differences`,
    ...[...report.invariants.differences, ...k.differences].slice(0, 60).map((d) => `    ${d}`),
  ];
  return lines.join("\n");
}
