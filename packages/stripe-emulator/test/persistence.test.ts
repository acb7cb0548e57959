import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type Stripe from "stripe";
import { emulatorStripeClient, startEmulator } from "../src/index";
import { T0 } from "./helpers";

const dir = mkdtempSync(join(tmpdir(), "stripe-emulator-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("state file persistence", () => {
  it("saves on stop and reloads objects, ids, lookup keys and idempotency keys", async () => {
    const stateFile = join(dir, "state.json");
    const first = await startEmulator({ port: 0, stateFile });
    const stripe1 = emulatorStripeClient(first.url);
    const product = await stripe1.products.create({ name: "Persisted" });
    const price = await stripe1.prices.create({
      product: product.id,
      currency: "eur",
      unit_amount: 990,
      recurring: { interval: "month" },
      lookup_key: "persisted_monthly",
    });
    const customer = await stripe1.customers.create({ email: "persist@example.com" }, { idempotencyKey: "persist-cus" });
    await first.stop();
    expect(JSON.parse(readFileSync(stateFile, "utf8"))).toHaveProperty("customers");

    const second = await startEmulator({ port: 0, stateFile });
    try {
      const stripe2 = emulatorStripeClient(second.url);
      expect((await stripe2.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ email: "persist@example.com" });
      const prices = await stripe2.prices.list({ lookup_keys: ["persisted_monthly"] });
      expect(prices.data.map((p) => p.id)).toEqual([price.id]);
      expect(String(prices.data[0].unit_amount_decimal)).toBe("990");
      const replay = await stripe2.customers.create({ email: "persist@example.com" }, { idempotencyKey: "persist-cus" });
      expect(replay.id).toBe(customer.id);
    } finally {
      await second.stop();
    }
  });
});

describe("saving the state file", () => {
  it("creates a missing directory on the first (debounced) save, as on a fresh clone without .data/", async () => {
    const stateFile = join(dir, "fresh-clone", ".data", "stripe-emulator.json");
    const handle = await startEmulator({ port: 0, stateFile });
    try {
      const customer = await emulatorStripeClient(handle.url).customers.create({ email: "first-run@example.com" });
      await vi.waitFor(() => expect(existsSync(stateFile)).toBe(true), { timeout: 5_000, interval: 50 });
      expect(JSON.parse(readFileSync(stateFile, "utf8")).customers.map((c: { id: string }) => c.id)).toEqual([customer.id]);
      expect(existsSync(`${stateFile}.${process.pid}.tmp`)).toBe(false);
    } finally {
      await handle.stop();
    }
  });

  it("keeps serving when a save fails, says so, and saves again on the next change once it can", async () => {
    const blocker = join(dir, "not-a-directory");
    writeFileSync(blocker, "a file where the state directory should be");
    const stateFile = join(blocker, "state.json");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const handle = await startEmulator({ port: 0, stateFile });
    try {
      const stripe = emulatorStripeClient(handle.url);
      await stripe.customers.create({ email: "unsaved@example.com" });
      await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.stringContaining(`could not save its state to ${stateFile}`)), {
        timeout: 5_000,
        interval: 50,
      });
      // Still serving, state intact in memory.
      expect((await stripe.customers.list()).data.map((c) => c.email)).toEqual(["unsaved@example.com"]);

      rmSync(blocker);
      await stripe.customers.create({ email: "saved@example.com" });
      await vi.waitFor(() => expect(existsSync(stateFile)).toBe(true), { timeout: 5_000, interval: 50 });
      expect(JSON.parse(readFileSync(stateFile, "utf8")).customers).toHaveLength(2);
    } finally {
      await handle.stop();
      warn.mockRestore();
    }
  });
});

describe("injected clock", () => {
  it("renews subscriptions outside test clocks when the injected time passes period end", async () => {
    let now = T0;
    const handle = await startEmulator({ port: 0, clock: () => now });
    try {
      const stripe = emulatorStripeClient(handle.url);
      const product = await stripe.products.create({ name: "Clocked" });
      const price = await stripe.prices.create({
        product: product.id,
        currency: "usd",
        unit_amount: 700,
        recurring: { interval: "month" },
      });
      const customer = await stripe.customers.create({ email: "clock@example.com" });
      const sub = await stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        default_payment_method: "pm_card_visa",
      });
      expect(sub).toMatchObject({ status: "active", created: T0 });
      const end = sub.items.data[0].current_period_end;
      now = end + 2 * 3600;
      const renewed = await stripe.subscriptions.retrieve(sub.id);
      expect(renewed.items.data[0].current_period_start).toBe(end);
      const invoices = await stripe.invoices.list({ subscription: sub.id });
      expect(invoices.data.map((i) => [i.billing_reason, i.status, i.amount_paid])).toEqual([
        ["subscription_cycle", "paid", 700],
        ["subscription_create", "paid", 700],
      ]);
    } finally {
      await handle.stop();
    }
  });
});
