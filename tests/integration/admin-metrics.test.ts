import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accounts, invoices, memberships, subscriptions, users } from "@/db/schema";
import { computeAdminMetrics, computeWindowRates, type AdminMetrics } from "@/lib/billing/admin/metrics";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";

// Every metric definition, on hand-made rows whose expected figures are worked out by hand below.
const NOW = new Date("2027-03-15T12:00:00Z");
const BEFORE_WINDOW = new Date("2026-12-01T00:00:00Z"); // older than the 30-day window (starts 2027-02-13 12:00)
const d = (iso: string) => new Date(`${iso}T00:00:00Z`);

type SubInput = Partial<typeof subscriptions.$inferInsert> & { status: string; planId: string };
type InvoiceInput = Partial<typeof invoices.$inferInsert> & { status: string; currency: string };

describe.each(DATABASE_KINDS)("admin metrics on %s", (kind) => {
  let database: TestDatabase;
  let metrics: AdminMetrics;
  let n = 0;

  async function subscription(input: SubInput) {
    n += 1;
    const [user] = await database.db
      .insert(users)
      .values({ email: `metrics-${n}@example.com` })
      .returning();
    await database.db.insert(subscriptions).values({
      accountId: user.id,
      providerSubscriptionId: `sub_${n}`,
      interval: "month",
      unitAmount: 1900,
      currency: "usd",
      createdAt: BEFORE_WINDOW,
      ...input,
    });
    return user;
  }

  async function invoice(input: InvoiceInput) {
    n += 1;
    await database.db.insert(invoices).values({ providerInvoiceId: `in_${n}`, providerCreatedAt: d("2027-03-01"), ...input });
  }

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    // MRR: monthly counts in full.
    await subscription({ status: "active", planId: "pro" }); // +1900
    // MRR: yearly counts one twelfth.
    await subscription({ status: "active", planId: "scale", interval: "year", unitAmount: 99_000 }); // +8250
    // Trialing: not in MRR.
    await subscription({ status: "trialing", planId: "pro", trialStart: d("2027-03-10"), trialEnd: d("2027-03-24") });
    // Churned in the window (alive at its start): not in MRR, counted as churn.
    await subscription({ status: "canceled", planId: "pro", canceledAt: d("2027-02-28"), endedAt: d("2027-03-01") });
    // Ended before the window: neither alive at its start nor churned in it.
    await subscription({ status: "canceled", planId: "pro", endedAt: d("2027-01-10") });
    // Past due: still in MRR.
    await subscription({ status: "past_due", planId: "scale", unitAmount: 9_900 }); // +9900
    // Canceling at period end, quantity 2: in MRR until it ends.
    await subscription({ status: "active", planId: "pro", quantity: 2, cancelAtPeriodEnd: true }); // +3800
    // A zero-amount subscription: active, but not a paying customer.
    await subscription({ status: "active", planId: "pro", unitAmount: 0 });
    // A trial that converted in the window (new in the window too).
    await subscription({
      status: "active",
      planId: "pro",
      createdAt: d("2027-02-20"),
      trialStart: d("2027-02-20"),
      trialEnd: d("2027-03-06"),
    }); // +1900
    // A trial that ended in the window without paying: not churn (was not alive at the start), not converted.
    await subscription({
      status: "canceled",
      planId: "pro",
      createdAt: d("2027-02-15"),
      trialStart: d("2027-02-15"),
      trialEnd: d("2027-03-01"),
      endedAt: d("2027-03-01"),
    });
    // An incomplete sign-up: not new, not anything.
    await subscription({ status: "incomplete", planId: "pro", createdAt: d("2027-03-10") });
    // Another currency: counted as active, left out of USD money figures.
    await subscription({ status: "active", planId: "scale", currency: "eur", unitAmount: 5_000 });
    // An admin-granted Staff plan: not a subscription for any metric.
    await subscription({ status: "active", planId: "staff", provider: "admin", unitAmount: null, interval: null, currency: null });

    await invoice({ status: "paid", currency: "usd", amountPaid: 1_900, paidAt: d("2027-03-05") });
    await invoice({ status: "paid", currency: "usd", amountPaid: 9_900, amountRefunded: 2_000, paidAt: d("2027-02-10") });
    await invoice({ status: "paid", currency: "usd", amountPaid: 0, paidAt: d("2027-02-11") });
    await invoice({ status: "paid", currency: "usd", amountPaid: 5_000, paidAt: d("2026-03-01") }); // older than 12 months
    await invoice({ status: "paid", currency: "eur", amountPaid: 3_000, paidAt: d("2027-03-02") });
    await invoice({ status: "void", currency: "usd", total: 1_000 });
    await invoice({ status: "open", currency: "usd", attemptCount: 2, providerCreatedAt: d("2027-03-01") }); // failed payment
    await invoice({ status: "uncollectible", currency: "usd", attemptCount: 4, providerCreatedAt: d("2027-03-03") }); // failed payment
    await invoice({ status: "uncollectible", currency: "usd", attemptCount: 4, providerCreatedAt: d("2027-01-01") }); // outside the window
    await invoice({ status: "open", currency: "usd", attemptCount: 0, providerCreatedAt: d("2027-03-02") }); // not attempted yet
    await invoice({
      status: "paid",
      currency: "usd",
      attemptCount: 2,
      amountPaid: 1_900,
      paidAt: d("2027-03-20"),
      providerCreatedAt: d("2027-03-01"),
    }); // after NOW

    metrics = await computeAdminMetrics(database.db, NOW);
  });
  afterAll(async () => database.destroy());

  it("MRR counts active and past-due subscriptions, yearly prices as a twelfth, quantity included", () => {
    expect(metrics.currency).toBe("usd");
    expect(metrics.mrr).toBe(1_900 + 8_250 + 9_900 + 3_800 + 1_900);
    expect(metrics.arr).toBe(metrics.mrr * 12);
  });

  it("ARPU divides MRR by paying customers (zero-amount, trialing and other currencies excluded)", () => {
    expect(metrics.payingCustomers).toBe(5);
    expect(metrics.payingOrganizations).toBe(0);
    expect(metrics.arpu).toBe(Math.round(25_750 / 5));
  });

  it("counts subscriptions by status; Staff grants count nowhere", () => {
    expect(metrics.activeSubscriptions).toBe(6);
    expect(metrics.trialingSubscriptions).toBe(1);
    expect(metrics.pastDueSubscriptions).toBe(1);
    expect(metrics.cancelingSubscriptions).toBe(1);
    expect(metrics.planDistribution).toEqual([
      { plan: "pro", count: 5 },
      { plan: "scale", count: 3 },
    ]);
  });

  it("churn over the 30-day window: ended since ÷ alive at its start; LTV = ARPU ÷ churn", () => {
    // Alive at the window start: the 9 priced rows created before it, minus the one that ended before it.
    expect(metrics.churnedSubscriptions30d).toBe(1);
    expect(metrics.churnRate30d).toBeCloseTo(1 / 8, 10);
    expect(metrics.ltv).toBe(Math.round(5_150 / (1 / 8)));
    expect(metrics.newSubscriptions30d).toBe(2);
  });

  it("trial conversion: trials ended in the window that now pay", () => {
    expect(metrics.trialConversion).toBe(0.5);
  });

  it("failed payments: attempted, still unpaid invoices of the window", () => {
    expect(metrics.failedPayments30d).toBe(2);
    // Asked for payment in the window: the two failed ones and the paid one attempted twice (fixtures leave amount_due at 0).
    expect(metrics.invoicesDue30d).toBe(3);
    expect(metrics.failedPaymentRate30d).toBeCloseTo(2 / 3, 10);
  });

  it("the revenue alerts' windowed figures use the same definitions: over 30 days they are the overview's", async () => {
    expect(await computeWindowRates(database.db, NOW, 30)).toEqual({
      windowDays: 30,
      mrr: metrics.mrr,
      churned: metrics.churnedSubscriptions30d,
      aliveAtStart: 8,
      churnRate: metrics.churnRate30d,
      failedPayments: metrics.failedPayments30d,
      invoicesDue: metrics.invoicesDue30d,
      failedPaymentRate: metrics.failedPaymentRate30d,
    });
    // 7 days (from 2027-03-08 12:00): no churn, no failed or attempted invoice in it.
    expect(await computeWindowRates(database.db, NOW, 7)).toMatchObject({
      churned: 0,
      failedPayments: 0,
      invoicesDue: 0,
      failedPaymentRate: null,
    });
  });

  it("revenue by month: paid minus refunds, 12 months with zeros, other currencies and voids excluded", () => {
    expect(metrics.revenueByMonth).toHaveLength(12);
    expect(metrics.revenueByMonth[0]).toEqual({ month: "2026-04", amount: 0 });
    expect(metrics.revenueByMonth.at(-2)).toEqual({ month: "2027-02", amount: 7_900 });
    expect(metrics.revenueByMonth.at(-1)).toEqual({ month: "2027-03", amount: 1_900 });
    expect(metrics.revenueByMonth.reduce((sum, m) => sum + m.amount, 0)).toBe(9_800);
  });

  it("counts accounts: an organization's subscription is one paying account whatever its seats, MRR is price × seats", async () => {
    const db = await createTestDatabase(kind);
    try {
      const people = await db.db
        .insert(users)
        .values([1, 2, 3, 4].map((i) => ({ email: `org-metrics-${i}@example.com` })))
        .returning();
      const [org] = await db.db.insert(accounts).values({ kind: "organization", name: "Seats Inc" }).returning();
      await db.db
        .insert(memberships)
        .values(
          people.slice(0, 3).map((p, i) => ({ accountId: org.id, userId: p.id, role: i === 0 ? ("owner" as const) : ("member" as const) })),
        );
      const base = { interval: "month", currency: "usd", createdAt: BEFORE_WINDOW } as const;
      // The organization: 3 seats at 1,200 each.
      await db.db.insert(subscriptions).values({
        ...base,
        accountId: org.id,
        providerSubscriptionId: "sub_org",
        status: "active",
        planId: "pro",
        unitAmount: 1_200,
        quantity: 3,
      });
      // One of its members also pays for their own personal account; another person pays too.
      await db.db.insert(subscriptions).values({
        ...base,
        accountId: people[1].id,
        providerSubscriptionId: "sub_own_1",
        status: "active",
        planId: "pro",
        unitAmount: 1_900,
      });
      await db.db.insert(subscriptions).values({
        ...base,
        accountId: people[3].id,
        providerSubscriptionId: "sub_own_2",
        status: "past_due",
        planId: "pro",
        unitAmount: 1_900,
      });
      const m = await computeAdminMetrics(db.db, NOW);
      expect(m.mrr).toBe(3 * 1_200 + 1_900 + 1_900);
      expect(m.payingCustomers).toBe(3);
      expect(m.payingOrganizations).toBe(1);
      expect(m.arpu).toBe(Math.round(m.mrr / 3));
      expect(m.activeSubscriptions).toBe(2);
    } finally {
      await db.destroy();
    }
  });

  it("an empty database gives zeros, no LTV and no trial conversion", async () => {
    const empty = await createTestDatabase(kind);
    try {
      const zero = await computeAdminMetrics(empty.db, NOW);
      expect(zero).toMatchObject({
        mrr: 0,
        arr: 0,
        arpu: 0,
        payingCustomers: 0,
        payingOrganizations: 0,
        ltv: null,
        churnRate30d: 0,
        trialConversion: null,
        failedPayments30d: 0,
        failedPaymentRate30d: null,
        planDistribution: [],
      });
      expect(zero.revenueByMonth.every((m) => m.amount === 0)).toBe(true);
    } finally {
      await empty.destroy();
    }
  });
});
