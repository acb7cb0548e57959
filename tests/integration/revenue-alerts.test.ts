import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq, like, sql } from "drizzle-orm";
import type { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as alertsRoute, POST as saveAlertRoute } from "@/app/api/billing/admin/alerts/route";
import { openDatabase, setAppDatabase, type Database, type DatabaseHandle } from "@/db/client";
import {
  auditLog,
  invoices,
  mrrSnapshots,
  operatorAlerts,
  revenueAlertRules,
  revenueAlertSchedule,
  subscriptions,
  users,
  type User,
} from "@/db/schema";
import { EVALUATION_INTERVAL_MS, evaluateRevenueAlerts, runRevenueAlerts } from "@/lib/billing/admin/revenue-alerts";
import { runDeliveryJob } from "@/lib/jobs";
import { POOLED_DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";
import { requestAs } from "../helpers/session";

type Handler = (request: NextRequest, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
const DAY = 86_400_000;

describe.each(POOLED_DATABASE_KINDS)("revenue alerts on %s", (kind) => {
  let database: TestDatabase;
  let db: Database;
  let admin: User;
  let n = 0;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    db = database.db;
    setAppDatabase(database);
    [admin] = await db
      .insert(users)
      .values({ email: `alerts-admin-${kind}@example.com`, role: "admin", emailVerifiedAt: new Date() })
      .returning();
  });
  afterAll(async () => database.destroy());

  /** No subscriptions, invoices, snapshots or alerts; the rules at their defaults, armed; the schedule due. */
  async function reset() {
    await db.delete(subscriptions);
    await db.delete(invoices);
    await db.delete(mrrSnapshots);
    await db.delete(operatorAlerts);
    await db.delete(revenueAlertRules);
    await db.execute(
      sql`insert into revenue_alert_rules (rule, threshold_bps, window_days) values ('mrr_drop', 1000, 7), ('failed_payments', 1500, 7), ('cancellations', 500, 30)`,
    );
    await db.update(revenueAlertSchedule).set({ nextEvaluationAt: new Date("2000-01-01T00:00:00Z") });
  }

  /** `count` priced monthly subscriptions of 1,000 a month, created `ageDays` before now. */
  async function subscribe(count: number, input: Partial<typeof subscriptions.$inferInsert> = {}, ageDays = 60) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      n += 1;
      const [user] = await db
        .insert(users)
        .values({ email: `alerts-${kind}-${n}@example.com` })
        .returning();
      const [row] = await db
        .insert(subscriptions)
        .values({
          accountId: user.id,
          providerSubscriptionId: `sub_alerts_${n}`,
          status: "active",
          planId: "pro",
          interval: "month",
          unitAmount: 1_000,
          currency: "usd",
          createdAt: new Date(Date.now() - ageDays * DAY),
          ...input,
        })
        .returning({ id: subscriptions.id });
      ids.push(row.id);
    }
    return ids;
  }

  async function invoice(count: number, input: Partial<typeof invoices.$inferInsert>) {
    for (let i = 0; i < count; i++) {
      n += 1;
      await db.insert(invoices).values({
        providerInvoiceId: `in_alerts_${n}`,
        status: "paid",
        currency: "usd",
        amountDue: 1_000,
        providerCreatedAt: new Date(Date.now() - DAY),
        ...input,
      });
    }
  }

  const alertsOf = async (rule: string) =>
    db
      .select()
      .from(operatorAlerts)
      .where(like(operatorAlerts.dedupeKey, `revenue:${rule}:%`))
      .orderBy(operatorAlerts.createdAt);
  const ruleRow = async (rule: "mrr_drop" | "failed_payments" | "cancellations") =>
    (await db.select().from(revenueAlertRules).where(eq(revenueAlertRules.rule, rule)))[0];
  const call = async (handler: Handler, path: string, init: { method?: string; body?: unknown } = {}) => {
    const response = await handler(await requestAs(admin.id, path, init), { params: Promise.resolve({}) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const setStatus = (ids: string[], status: string) =>
    Promise.all(ids.map((id) => db.update(subscriptions).set({ status }).where(eq(subscriptions.id, id))));

  it("each alert fires once per crossing: not again while it holds, again after it clears and crosses anew", async () => {
    await reset();
    const now = Date.now();
    const subs = await subscribe(10); // MRR 10,000
    // A week ago: the snapshot the MRR drop compares with. Before it, the page says why there is no alert yet.
    expect((await call(alertsRoute as Handler, "/api/billing/admin/alerts")).body.rules).toContainEqual(
      expect.objectContaining({
        rule: "mrr_drop",
        percent: 10,
        windowDays: 7,
        state: "armed",
        baselineNote: expect.stringContaining("No MRR snapshot yet"),
      }),
    );
    expect(await runRevenueAlerts(db, { now: new Date(now - 7 * DAY), force: true })).toEqual({ evaluated: true, fired: [], cleared: [] });
    expect(await db.select({ day: mrrSnapshots.day, mrr: mrrSnapshots.mrr }).from(mrrSnapshots)).toEqual([
      { day: new Date(now - 7 * DAY).toISOString().slice(0, 10), mrr: 10_000 },
    ]);

    // MRR falls 10 %: not more than the threshold.
    await setStatus(subs.slice(0, 1), "canceled");
    expect((await runRevenueAlerts(db, { now: new Date(now), force: true })).fired).toEqual([]);
    expect(await ruleRow("mrr_drop")).toMatchObject({ state: "armed", lastValueBps: 1000 });
    // 20 %: fires once, and not again while it holds (later the same day, and the next day).
    await setStatus(subs.slice(0, 2), "canceled");
    expect((await runRevenueAlerts(db, { now: new Date(now + 60_000), force: true })).fired).toEqual(["mrr_drop"]);
    expect((await runRevenueAlerts(db, { now: new Date(now + 120_000), force: true })).fired).toEqual([]);
    expect((await runRevenueAlerts(db, { now: new Date(now + DAY), force: true })).fired).toEqual([]); // baseline: the closest older snapshot
    let alerts = await alertsOf("mrr_drop");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      kind: "revenue_threshold",
      dedupeKey: `revenue:mrr_drop:${new Date(now + 60_000).toISOString()}`,
      status: "outbox",
    });
    expect(alerts[0].text).toContain("MRR fell 20% over 7 days ($100.00");
    expect(await ruleRow("mrr_drop")).toMatchObject({ state: "firing", firingSince: new Date(now + 60_000), lastValueBps: 2000 });

    // Recovers: re-armed, no alert. Falls again: a second alert for the new crossing.
    await setStatus(subs.slice(0, 2), "active");
    expect(await runRevenueAlerts(db, { now: new Date(now + 180_000), force: true })).toMatchObject({ fired: [], cleared: ["mrr_drop"] });
    expect(await ruleRow("mrr_drop")).toMatchObject({ state: "armed", firingSince: null });
    await setStatus(subs.slice(0, 3), "past_due"); // still MRR: no drop
    expect((await runRevenueAlerts(db, { now: new Date(now + 240_000), force: true })).fired).toEqual([]);
    await setStatus(subs.slice(0, 3), "canceled");
    expect((await runRevenueAlerts(db, { now: new Date(now + 300_000), force: true })).fired).toEqual(["mrr_drop"]);
    alerts = await alertsOf("mrr_drop");
    expect(alerts.map((a) => a.dedupeKey)).toEqual([
      `revenue:mrr_drop:${new Date(now + 60_000).toISOString()}`,
      `revenue:mrr_drop:${new Date(now + 300_000).toISOString()}`,
    ]);

    // Failed payments over 7 days: 2 of 12 invoices that asked for payment (16.7 % > 15 %); older ones do not count.
    await invoice(10, {});
    await invoice(2, { status: "open", attemptCount: 2 });
    await invoice(5, { status: "uncollectible", attemptCount: 4, providerCreatedAt: new Date(now - 10 * DAY) });
    expect((await runRevenueAlerts(db, { now: new Date(now + 360_000), force: true })).fired).toEqual(["failed_payments"]);
    expect((await alertsOf("failed_payments"))[0].text).toContain("failed-payment rate 16.67% over the last 7 days (2 of 12");
    expect((await runRevenueAlerts(db, { now: new Date(now + 420_000), force: true })).fired).toEqual([]);
    expect(await alertsOf("failed_payments")).toHaveLength(1);
    expect(await alertsOf("cancellations")).toEqual([]); // canceled without an end date: not churn
  });

  it("thresholds changed from the admin API apply on the next run of the delivery job, which posts the alert to ALERT_WEBHOOK_URL", async () => {
    await reset();
    const posted: string[] = [];
    const server: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        posted.push((JSON.parse(body) as { text: string }).text);
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    process.env.ALERT_WEBHOOK_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      await invoice(10, {});
      await invoice(2, { status: "open", attemptCount: 1 }); // 16.7 %
      const first = await runDeliveryJob();
      expect(first.revenueAlerts).toEqual({ evaluated: true, fired: ["failed_payments"], cleared: [] });
      expect(first.alerts.sent).toBe(1);
      expect(posted).toEqual([expect.stringContaining("failed-payment rate 16.67%")]);
      // Within 15 minutes every instance's run skips the aggregates.
      expect((await runDeliveryJob()).revenueAlerts).toMatchObject({ evaluated: false });

      // Raised above the rate: the next run re-arms it (no alert); lowered again: a new crossing, posted.
      const raised = await call(saveAlertRoute as Handler, "/api/billing/admin/alerts", {
        method: "POST",
        body: { rule: "failed_payments", enabled: true, percent: 20, windowDays: 7 },
      });
      expect(raised).toMatchObject({
        status: 200,
        body: { changed: true, rule: { rule: "failed_payments", percent: 20, windowDays: 7, state: "firing" } },
      });
      expect((await runDeliveryJob()).revenueAlerts).toEqual({ evaluated: true, fired: [], cleared: ["failed_payments"] });
      const lowered = await call(saveAlertRoute as Handler, "/api/billing/admin/alerts", {
        method: "POST",
        body: { rule: "failed_payments", enabled: true, percent: 12.5, windowDays: 7 },
      });
      expect(lowered.status).toBe(200);
      expect((await runDeliveryJob()).revenueAlerts).toEqual({ evaluated: true, fired: ["failed_payments"], cleared: [] });
      expect(posted).toHaveLength(2);
      expect(posted[1]).toContain("above the 12.5% threshold");
      // Saving the same settings changes nothing and is not audited again; disabling re-arms at the next run.
      expect(
        (
          await call(saveAlertRoute as Handler, "/api/billing/admin/alerts", {
            method: "POST",
            body: { rule: "failed_payments", enabled: true, percent: 12.5, windowDays: 7 },
          })
        ).body.changed,
      ).toBe(false);
      await call(saveAlertRoute as Handler, "/api/billing/admin/alerts", {
        method: "POST",
        body: { rule: "failed_payments", enabled: false, percent: 12.5, windowDays: 7 },
      });
      expect((await runDeliveryJob()).revenueAlerts).toEqual({ evaluated: true, fired: [], cleared: ["failed_payments"] });

      const audit = await db.select().from(auditLog).where(eq(auditLog.action, "revenue_alert.updated")).orderBy(auditLog.id);
      expect(audit.map((a) => [a.actorUserId, a.targetId, a.data])).toEqual([
        [
          admin.id,
          "failed_payments",
          { before: { enabled: true, percent: 15, windowDays: 7 }, after: { enabled: true, percent: 20, windowDays: 7 } },
        ],
        [
          admin.id,
          "failed_payments",
          { before: { enabled: true, percent: 20, windowDays: 7 }, after: { enabled: true, percent: 12.5, windowDays: 7 } },
        ],
        [
          admin.id,
          "failed_payments",
          { before: { enabled: true, percent: 12.5, windowDays: 7 }, after: { enabled: false, percent: 12.5, windowDays: 7 } },
        ],
      ]);
    } finally {
      delete process.env.ALERT_WEBHOOK_URL;
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("two instances evaluating at the same time record each crossing exactly once", async () => {
    await reset();
    // Cancellations over 30 days: 2 of 10 priced subscriptions alive at the start have ended since (20 % > 5 %).
    await subscribe(8);
    const churned = await subscribe(2, {
      status: "canceled",
      canceledAt: new Date(Date.now() - 5 * DAY),
      endedAt: new Date(Date.now() - 5 * DAY),
    });
    // A second app instance: its own pool (through the pooler for "pgbouncer"). PGlite is one process's database.
    const pooled = kind === "pgbouncer";
    const other: DatabaseHandle | null =
      kind === "pglite"
        ? null
        : await openDatabase({
            url: database.url,
            max: 3,
            prepare: !pooled,
            timeouts: { connectMs: 5_000, statementMs: 5_000, idleInTransactionMs: 10_000, serverSide: !pooled },
          });
    const second = other?.db ?? db;
    try {
      // Through the schedule: one instance evaluates, the other skips.
      const now = Date.now();
      const runs = await Promise.all([runRevenueAlerts(db, { now: new Date(now) }), runRevenueAlerts(second, { now: new Date(now + 1) })]);
      expect(runs.filter((r) => r.evaluated)).toHaveLength(1);
      expect(runs.flatMap((r) => r.fired)).toEqual(["cancellations"]);
      expect((await db.select().from(revenueAlertSchedule))[0].nextEvaluationAt.getTime()).toBeGreaterThanOrEqual(
        now + EVALUATION_INTERVAL_MS,
      );

      // Past the schedule (both evaluate), at different instants: the state row lets one of them record it.
      for (let round = 1; round <= 3; round++) {
        await setStatus(churned, "active"); // clears
        await Promise.all([
          evaluateRevenueAlerts(db, new Date(now + round * 1_000)),
          evaluateRevenueAlerts(second, new Date(now + round * 1_000 + 1)),
        ]);
        expect((await ruleRow("cancellations")).state).toBe("armed");
        await setStatus(churned, "canceled"); // crosses anew
        const both = await Promise.all([
          evaluateRevenueAlerts(db, new Date(now + round * 1_000 + 500)),
          evaluateRevenueAlerts(second, new Date(now + round * 1_000 + 501)),
        ]);
        expect(both.flatMap((r) => r.fired)).toEqual(["cancellations"]);
        expect(await alertsOf("cancellations")).toHaveLength(round + 1);
      }
    } finally {
      await other?.close();
    }
  });

  it("bad threshold input is a 400 naming the problem and changes nothing", async () => {
    await reset();
    const before = await db.select().from(revenueAlertRules).orderBy(revenueAlertRules.rule);
    const [schedule] = await db.select().from(revenueAlertSchedule);
    const audited = (await db.select().from(auditLog)).length;
    const good = { rule: "mrr_drop", enabled: true, percent: 10, windowDays: 7 };
    for (const [bad, field] of [
      [{ ...good, percent: 0 }, "percent"],
      [{ ...good, percent: -5 }, "percent"],
      [{ ...good, percent: 100.5 }, "percent"],
      [{ ...good, percent: "10" }, "percent"],
      [{ ...good, percent: 10.125 }, "percent"],
      [{ ...good, windowDays: 0 }, "windowDays"],
      [{ ...good, windowDays: 91 }, "windowDays"],
      [{ ...good, windowDays: 2.5 }, "windowDays"],
      [{ ...good, rule: "revenue" }, "rule"],
      [{ ...good, enabled: "yes" }, "enabled"],
      [{ rule: "mrr_drop", percent: 10, windowDays: 7 }, "enabled"],
      [{ ...good, extra: 1 }, ""],
    ] as const) {
      const refused = await call(saveAlertRoute as Handler, "/api/billing/admin/alerts", { method: "POST", body: bad });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(refused.body.error, JSON.stringify(bad)).toBe("bad_request");
      expect(JSON.stringify(refused.body), JSON.stringify(bad)).toContain(field);
    }
    const malformed = await call(saveAlertRoute as Handler, "/api/billing/admin/alerts", { method: "POST", body: "{not json" });
    expect(malformed.status).toBe(400);
    expect(await db.select().from(revenueAlertRules).orderBy(revenueAlertRules.rule)).toEqual(before);
    expect(await db.select().from(revenueAlertSchedule)).toEqual([schedule]);
    expect(await db.select().from(auditLog)).toHaveLength(audited);
  });
});
