/**
 * `npm run bench:webhook` — the webhook benchmark of record: signed Stripe events posted over HTTP,
 * `BENCH_CONCURRENCY` (32) at a time from this process, to `next start` on real Postgres, against
 * the same server's trivial `GET /api/billing/plans` measured in the same run. Then the latency
 * phase (emulator answering after 0 and 150 ms, 64 concurrent deliveries) and the fault phase (the
 * emulator hung for BENCH_HANG_SECONDS in the middle of a run while /api/health is polled). After
 * each phase the database is compared with the emulator (scripts/lib/invariants.ts).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres npm run bench:webhook
 *
 * It creates and drops its own database on that server, starts its own emulator process and its
 * own `next start` (BENCH_APP_PORT, default 3131; builds first when there is no .next build).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "drizzle-orm";
import Stripe from "stripe";
import { openDatabase, setAppDatabase, type DatabaseHandle } from "@/db/client";
import { users, webhookEvents } from "@/db/schema";
import { startCheckout } from "@/lib/billing/checkout";
import { pushCatalog } from "@/lib/stripe/catalog-push";
import { createStripeClient } from "@/lib/stripe/client";
import { emulatorStripeClient } from "stripe-emulator";
import { checkInvariants } from "../lib/invariants";
import { freePort, startTsxProcess, type Child } from "../lib/processes";
import { runScript } from "../lib/run-script";
import { createScratchDatabase } from "../lib/scratch-database";
import { runNext, waitForExit } from "../lib/spawn-next";
import { formatResult, percentile, runPool, type LoadResult } from "./load";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 150);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const LATENCY_CONCURRENCY = 64;
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 150);
const HANG_SECONDS = Number(process.env.BENCH_HANG_SECONDS ?? 30);
const APP_PORT = Number(process.env.BENCH_APP_PORT ?? 3131);
const SECRET = "whsec_bench_http";

async function waitForHealth(base: string, timeoutMs = 120_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(250);
  }
  throw new Error(`the app at ${base} did not become healthy`);
}

runScript(async () => {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("bench:webhook needs DATABASE_URL: a Postgres server (it creates and drops its own database there)");
  process.env.LOG_LEVEL = "silent";
  const benchDb = await createScratchDatabase(serverUrl, "bench_webhook");
  let handle: DatabaseHandle | undefined;
  let emulator: Child | undefined;
  const app = { kill: () => {} };
  try {
    handle = await openDatabase({ url: benchDb.url });
    await handle.migrate();
    setAppDatabase(handle);
    const db = handle.db;

    const emulatorPort = await freePort();
    emulator = await startTsxProcess(
      "packages/stripe-emulator/src/main.ts",
      { STRIPE_EMULATOR_PORT: String(emulatorPort), STRIPE_WEBHOOK_URL: "http://127.0.0.1:9/unused", STRIPE_EMULATOR_STATE_FILE: "" },
      "stripe-emulator ready",
    );
    const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    const emulatorConfig = (body: unknown) =>
      fetch(`${emulatorUrl}/_emulator/config`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json());
    await emulatorConfig({ webhookUrl: null, testMode: true });
    const base = `http://127.0.0.1:${APP_PORT}`;
    Object.assign(process.env, { STRIPE_EMULATOR_URL: emulatorUrl, STRIPE_WEBHOOK_SECRET: SECRET, APP_URL: base });
    await pushCatalog(createStripeClient());
    const stripe = emulatorStripeClient(emulatorUrl);

    const appEnv: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: benchDb.url,
      STRIPE_EMULATOR_URL: emulatorUrl,
      STRIPE_WEBHOOK_SECRET: SECRET,
      NEXTAUTH_URL: base,
      APP_URL: base,
      NEXTAUTH_SECRET: "bench-only-secret-not-for-production",
      SEED_DEMO_ACCOUNTS: "false",
      LOG_LEVEL: "warn",
      NEXT_SKIP_TYPECHECK: "1",
    };
    if (!existsSync(".next/BUILD_ID") || process.env.BENCH_BUILD === "1") {
      console.log("building the app (next build)…");
      if ((await waitForExit(runNext(["build"], appEnv))) !== 0) throw new Error("next build failed");
    }
    const nextBin = "node_modules/next/dist/bin/next";
    // BENCH_CPU_PROFILE=<dir>: the app writes a V8 CPU profile there when it stops (where its time goes).
    const profile = process.env.BENCH_CPU_PROFILE ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROFILE] : [];
    const server = spawn(process.execPath, [...profile, nextBin, "start", "--port", String(APP_PORT), "--hostname", "127.0.0.1"], {
      env: appEnv,
      stdio: ["ignore", "ignore", "inherit"],
    });
    app.kill = () => server.kill("SIGTERM");
    await waitForHealth(base);

    // The workload: CUSTOMERS checkouts (Pro with a trial, Scale without), completed with a card.
    console.log(`creating ${CUSTOMERS} subscriptions on the emulator…`);
    const before = new Set<string>();
    for await (const event of stripe.events.list({ limit: 100 })) before.add(event.id);
    await runPool(CUSTOMERS, 8, async (i) => {
      const [user] = await db
        .insert(users)
        .values({ email: `bench-${i}-${Date.now()}@example.com` })
        .returning();
      const { url } = await startCheckout(user, i % 2 ? "pro" : "scale", i % 3 ? "month" : "year");
      const id = /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1];
      const res = await fetch(`${emulatorUrl}/_emulator/checkout/sessions/${id}/complete`, {
        method: "POST",
        body: JSON.stringify({ card: "4242424242424242" }),
      });
      return res.ok;
    });
    const events: Stripe.Event[] = [];
    for await (const event of stripe.events.list({ limit: 100 })) if (!before.has(event.id)) events.push(event);
    events.reverse();
    const payloads = events.map((event) => JSON.stringify(event));
    console.log(`${events.length} events from ${CUSTOMERS} customers\n`);

    const webhookUrl = `${base}/api/billing/webhook`;
    const post = async (i: number) => {
      const payload = payloads[i % payloads.length];
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
      const res = await fetch(webhookUrl, {
        method: "POST",
        headers: { "stripe-signature": header, "content-type": "application/json" },
        body: payload,
      });
      await res.arrayBuffer();
      return res.status === 200;
    };
    const trivial = async () => {
      const res = await fetch(`${base}/api/billing/plans`);
      await res.arrayBuffer();
      return res.ok;
    };
    const resetInbox = () => db.execute(sql`truncate ${webhookEvents}`);
    async function verify(label: string) {
      const rows = await db.select({ status: webhookEvents.status }).from(webhookEvents);
      const done = rows.filter((r) => r.status === "processed" || r.status === "ignored").length;
      const report = await checkInvariants(db, stripe);
      console.log(
        `  ${label}: ${done}/${events.length} events processed, ${report.subscriptions} subscriptions + ${report.invoices} invoices + ${report.customers} customers compared, ${report.differences.length} differences`,
      );
      for (const difference of report.differences.slice(0, 20)) console.log(`    ${difference}`);
      return done === events.length && report.differences.length === 0;
    }

    // Warm up both routes (first hits load modules and fill caches).
    await runPool(64, 8, trivial);
    await runPool(Math.min(64, events.length), 8, post);
    await resetInbox();

    const results: Record<string, LoadResult> = {};
    results.trivial = await runPool(events.length, CONCURRENCY, trivial);
    results.first = await runPool(events.length, CONCURRENCY, post);
    results.duplicate = await runPool(events.length, CONCURRENCY, post);
    console.log(`throughput at ${CONCURRENCY} concurrent`);
    console.log(formatResult("GET /api/billing/plans (baseline)", results.trivial));
    console.log(formatResult("webhook, first delivery", results.first));
    console.log(formatResult("webhook, duplicate delivery", results.duplicate));
    const firstRatio = results.first.perSecond / results.trivial.perSecond;
    const duplicateRatio = results.duplicate.perSecond / results.trivial.perSecond;
    let correct = await verify("after first + duplicate deliveries");

    await resetInbox();
    results.latency0 = await runPool(events.length, LATENCY_CONCURRENCY, post);
    await resetInbox();
    await emulatorConfig({ latencyMs: LATENCY_MS });
    results.latencySlow = await runPool(events.length, LATENCY_CONCURRENCY, post);
    await emulatorConfig({ latencyMs: 0 });
    console.log(`\nemulator latency at ${LATENCY_CONCURRENCY} concurrent (first deliveries)`);
    console.log(formatResult("Stripe answering at once", results.latency0));
    console.log(formatResult(`Stripe answering after ${LATENCY_MS} ms`, results.latencySlow));
    const latencyRatio = results.latencySlow.perSecond / results.latency0.perSecond;
    correct = (await verify("after the latency phase")) && correct;

    // Fault phase: Stripe hangs mid-run; deliveries that fail are retried (as Stripe does) and
    // /api/health is polled every 100 ms throughout.
    await resetInbox();
    const healthLatencies: number[] = [];
    let healthErrors = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t0 = performance.now();
        const ok = await fetch(`${base}/api/health`).then(
          (r) => r.arrayBuffer().then(() => r.ok),
          () => false,
        );
        healthLatencies.push(performance.now() - t0);
        if (!ok) healthErrors += 1;
        await sleep(100);
      }
    })();
    let delivered = 0;
    let failedAttempts = 0;
    let hung: Promise<void> | undefined;
    results.fault = await runPool(events.length, CONCURRENCY, async (i) => {
      for (let attempt = 0; attempt < 100; attempt += 1) {
        if (await post(i)) {
          delivered += 1;
          if (!hung && delivered >= events.length / 4) {
            emulator!.freeze();
            hung = sleep(HANG_SECONDS * 1000).then(() => emulator!.thaw());
          }
          return true;
        }
        failedAttempts += 1;
        await sleep(1000);
      }
      return false;
    });
    await hung;
    polling = false;
    await poller;
    const healthP99 = percentile(healthLatencies, 99);
    console.log(`\nfault: the emulator hung (SIGSTOP) for ${HANG_SECONDS} s after a quarter of the events`);
    console.log(formatResult("webhook deliveries (with retries)", results.fault));
    console.log(
      `  ${failedAttempts} failed attempts retried; /api/health polled ${healthLatencies.length} times: p50=${percentile(healthLatencies, 50).toFixed(0)} ms p99=${healthP99.toFixed(0)} ms max=${Math.max(...healthLatencies).toFixed(0)} ms, ${healthErrors} non-200`,
    );
    correct = (await verify("after the fault phase")) && correct;

    const check = (ok: boolean) => (ok ? "PASS" : "MISS");
    console.log("\ntargets");
    console.log(`  ${check(firstRatio >= 0.5)} first delivery ${(firstRatio * 100).toFixed(0)} % of the trivial route (target ≥ 50 %)`);
    console.log(`  ${check(duplicateRatio >= 0.8)} duplicates ${(duplicateRatio * 100).toFixed(0)} % of the trivial route (target ≥ 80 %)`);
    console.log(
      `  ${check(results.first.p99 < 250)} first-delivery p99 ${results.first.p99.toFixed(0)} ms at ${CONCURRENCY} concurrent (target < 250 ms)`,
    );
    const errors =
      results.first.errors + results.duplicate.errors + results.trivial.errors + results.latency0.errors + results.latencySlow.errors;
    console.log(`  ${check(errors === 0)} ${errors} errors outside the fault phase (target 0)`);
    console.log(
      `  ${check(latencyRatio >= 0.8)} at ${LATENCY_MS} ms Stripe latency: ${(latencyRatio * 100).toFixed(0)} % of the 0 ms throughput (target ≥ 80 %)`,
    );
    console.log(`  ${check(healthP99 < 100)} /api/health p99 ${healthP99.toFixed(0)} ms while Stripe hung (target < 100 ms)`);
    console.log(`  ${check(correct)} every event processed exactly once; the database matches the emulator`);
    if (!correct) process.exitCode = 1;
  } finally {
    app.kill();
    await emulator?.kill();
    await handle?.close();
    await benchDb.drop();
  }
});
