/**
 * Webhook benchmark: how fast the real route handler stores and processes Stripe events, against
 * the duplicate path (stored already: one lock + one read) as the in-run baseline.
 *
 *   npx tsx scripts/bench/webhook-throughput.ts            # PGlite (in memory)
 *   DATABASE_URL=postgres://… npx tsx scripts/bench/webhook-throughput.ts   # Postgres
 *
 * Bounded: N_SUBSCRIPTIONS checkouts on a loopback emulator, each event delivered twice.
 */
import { performance } from "node:perf_hooks";
import Stripe from "stripe";
import { openDatabase, setAppDatabase } from "@/db/client";
import { users } from "@/db/schema";
import { startCheckout } from "@/lib/billing/checkout";
import { pushCatalog } from "@/lib/stripe/catalog-push";
import { createStripeClient } from "@/lib/stripe/client";
import { startEmulator, emulatorStripeClient } from "stripe-emulator";
import { runScript } from "../lib/run-script";

const N_SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 40);
const SECRET = "whsec_bench";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

runScript(async () => {
  process.env.LOG_LEVEL = "silent";
  const database = await openDatabase(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : { pgliteDir: "memory://" });
  await database.migrate();
  setAppDatabase(database);
  const emulator = await startEmulator({ port: 0, testMode: true });
  process.env.STRIPE_EMULATOR_URL = emulator.url;
  process.env.STRIPE_WEBHOOK_SECRET = SECRET;
  const stripe = emulatorStripeClient(emulator.url);
  await pushCatalog(createStripeClient());
  const { POST: webhook } = await import("@/app/api/billing/webhook/route");

  const before = new Set((await stripe.events.list({ limit: 100 })).data.map((e) => e.id));
  for (let i = 0; i < N_SUBSCRIPTIONS; i++) {
    const [user] = await database.db
      .insert(users)
      .values({ email: `bench-${i}-${Date.now()}@example.com` })
      .returning();
    const { url } = await startCheckout(user, i % 2 ? "pro" : "scale", "month");
    const id = /\/(cs_[A-Za-z0-9_]+)/.exec(url)?.[1];
    await fetch(`${emulator.url}/_emulator/checkout/sessions/${id}/complete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ card: "4242424242424242" }),
    });
  }
  const events: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) if (!before.has(event.id)) events.push(event);
  events.reverse();

  async function deliverAll(): Promise<number[]> {
    const times: number[] = [];
    for (const event of events) {
      const payload = JSON.stringify(event);
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
      const started = performance.now();
      const res = await webhook(
        new Request("http://bench/api/billing/webhook", { method: "POST", headers: { "stripe-signature": header }, body: payload }),
      );
      times.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    }
    return times;
  }

  const first = await deliverAll();
  const duplicate = await deliverAll();
  const row = (label: string, t: number[]) =>
    `${label.padEnd(22)} n=${String(t.length).padStart(4)}  p50=${percentile(t, 50).toFixed(2).padStart(7)} ms  p95=${percentile(t, 95).toFixed(2).padStart(7)} ms  throughput=${(t.length / (t.reduce((a, b) => a + b, 0) / 1000)).toFixed(0).padStart(5)} events/s`;
  console.log(`webhook benchmark on ${database.kind}, ${N_SUBSCRIPTIONS} checkouts, ${events.length} events`);
  console.log(row("duplicate (baseline)", duplicate));
  console.log(row("first delivery", first));
  console.log(`first / duplicate p50 ratio: ${(percentile(first, 50) / percentile(duplicate, 50)).toFixed(1)}x`);
  await emulator.stop();
  await database.close();
});
