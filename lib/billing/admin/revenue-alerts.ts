/**
 * Revenue alerts for operators: MRR falling by more than a set share over a window, the failed-payment
 * rate or the cancellation rate above a set rate. Each alert is recorded once per crossing in the
 * operator-alert outbox (lib/alerts.ts) and posted to ALERT_WEBHOOK_URL by the delivery job.
 *
 * Safe on every instance at once, with no lock held across anything slow:
 * - the delivery job runs every 5 minutes on every instance; an instance evaluates only after it moves
 *   the schedule's `next_evaluation_at` forward with a conditional UPDATE (at most once per
 *   EVALUATION_INTERVAL_MS in all), and saving a rule moves it back to now (applies on the next run);
 * - MRR history is one snapshot per UTC day (`insert … on conflict do nothing`);
 * - a rule fires when a conditional UPDATE moves its row from `armed` to `firing` (one instance wins),
 *   in the same short transaction as the alert, whose dedupe key `revenue:<rule>:<crossing start>` is
 *   unique too; while the condition holds nothing more is sent, and the rule is re-armed when it clears.
 *
 * The figures are the admin overview's (lib/billing/admin/metrics.ts), over each rule's own window.
 */
import "server-only";
import { subDays } from "date-fns";
import { and, asc, eq, gte, lte, desc, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database, Queryable } from "@/db/client";
import { auditLog, mrrSnapshots, revenueAlertRules, revenueAlertSchedule, REVENUE_ALERT_RULES, type RevenueAlertRule } from "@/db/schema";
import { alertsConfigured, recordAlert } from "@/lib/alerts";
import { formatMoney, formatPercent } from "@/lib/format";
import { logger } from "@/lib/logger";
import { REPORTING_CURRENCY, computeWindowRates, type WindowRates } from "./metrics";

export { REVENUE_ALERT_RULES, type RevenueAlertRule };

/** The aggregates run at most this often across all instances (a saved rule applies at the next run). */
export const EVALUATION_INTERVAL_MS = 15 * 60_000;
export const MAX_WINDOW_DAYS = 90;
/** When the job missed the day exactly `windowDays` ago, the closest snapshot up to this many days older is the baseline. */
export const BASELINE_SLACK_DAYS = 3;

/** Thresholds in basis points (1000 = 10 %). The migration writes these rows; they apply if a row is missing. */
export const REVENUE_ALERT_DEFAULTS: Record<RevenueAlertRule, { thresholdBps: number; windowDays: number }> = {
  mrr_drop: { thresholdBps: 1000, windowDays: 7 },
  failed_payments: { thresholdBps: 1500, windowDays: 7 },
  cancellations: { thresholdBps: 500, windowDays: 30 },
};

export const REVENUE_ALERT_LABELS: Record<RevenueAlertRule, string> = {
  mrr_drop: "MRR drop",
  failed_payments: "Failed-payment rate",
  cancellations: "Cancellation rate",
};

/** Shown next to each rule in the console and in docs/operations.md: what is measured, against what. */
export const REVENUE_ALERT_DEFINITIONS: Record<RevenueAlertRule, string> = {
  mrr_drop:
    "(MRR then − MRR now) ÷ MRR then, where MRR then is the daily snapshot from the window's length ago (or the closest of the 3 days before it). MRR as on the overview. No alert until a snapshot that old exists.",
  failed_payments:
    "Invoices of the window with a failed payment attempt still open or uncollectible ÷ invoices of the window that asked for payment (not drafts, with an amount due or an attempt).",
  cancellations:
    "Priced subscriptions alive at the window's start that have ended since ÷ priced subscriptions alive at its start (the overview's churn rate, over this window).",
};

/** What an admin may set for one rule. A threshold in percent, to two decimals. */
export const revenueAlertInput = z.strictObject({
  rule: z.enum(REVENUE_ALERT_RULES, { message: `rule must be one of ${REVENUE_ALERT_RULES.join(", ")}` }),
  enabled: z.boolean({ message: "enabled must be true or false" }),
  percent: z
    .number({ message: "percent must be a number" })
    .gt(0, "percent must be more than 0")
    .max(100, "percent is at most 100")
    .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-9, "percent has at most two decimals"),
  windowDays: z
    .number({ message: "windowDays must be a number" })
    .int("windowDays must be a whole number of days")
    .min(1, "windowDays is at least 1")
    .max(MAX_WINDOW_DAYS, `windowDays is at most ${MAX_WINDOW_DAYS}`),
});
export type RevenueAlertInput = z.infer<typeof revenueAlertInput>;

type RuleRow = typeof revenueAlertRules.$inferSelect;

/** One rule as the console and the admin API show it. */
export interface RevenueAlertView {
  rule: RevenueAlertRule;
  label: string;
  definition: string;
  enabled: boolean;
  /** The threshold in percent (10 = 10 %). */
  percent: number;
  windowDays: number;
  state: "armed" | "firing";
  /** ISO; when the current crossing started. */
  firingSince: string | null;
  /** The last evaluation's figure as a fraction (0.125 = 12.5 %); null when it could not be measured. */
  lastValue: number | null;
  lastEvaluatedAt: string | null;
  /** Why the figure could not be measured, or what it compared. */
  lastNote: string | null;
  /** MRR drop only: null once a snapshot `windowDays` old exists, otherwise why there is no alert yet. */
  baselineNote: string | null;
}

export interface RevenueAlertsOverview {
  rules: RevenueAlertView[];
  currency: string;
  /** The first MRR snapshot's UTC day, or null before the first evaluation. */
  firstSnapshotDay: string | null;
  lastEvaluatedAt: string | null;
  nextEvaluationAt: string | null;
  /** False: alerts are kept in the operator_alerts outbox only (ALERT_WEBHOOK_URL unset). */
  webhookConfigured: boolean;
}

export interface RevenueAlertReport {
  /** False when another instance evaluated within EVALUATION_INTERVAL_MS (nothing was computed). */
  evaluated: boolean;
  fired: RevenueAlertRule[];
  cleared: RevenueAlertRule[];
}

const utcDay = (date: Date) => date.toISOString().slice(0, 10);
const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The rows of every rule, in REVENUE_ALERT_RULES order; missing ones are written with the defaults first. */
async function readRules(db: Queryable): Promise<RuleRow[]> {
  let rows = await db.select().from(revenueAlertRules);
  if (rows.length < REVENUE_ALERT_RULES.length) {
    await db
      .insert(revenueAlertRules)
      .values(REVENUE_ALERT_RULES.map((rule) => ({ rule, ...REVENUE_ALERT_DEFAULTS[rule] })))
      .onConflictDoNothing();
    rows = await db.select().from(revenueAlertRules);
  }
  return REVENUE_ALERT_RULES.map((rule) => rows.find((r) => r.rule === rule)).filter((r): r is RuleRow => r !== undefined);
}

function baselineNote(windowDays: number, firstSnapshotDay: string | null, now: Date): string | null {
  const needed = utcDay(subDays(now, windowDays));
  if (firstSnapshotDay && firstSnapshotDay <= needed) return null;
  if (!firstSnapshotDay)
    return `No MRR snapshot yet: the first is taken at the next evaluation, and this rule can alert ${windowDays} days after it.`;
  const from = utcDay(new Date(Date.parse(`${firstSnapshotDay}T00:00:00Z`) + windowDays * 86_400_000));
  return `No MRR snapshot from ${windowDays} days ago yet (the first is from ${firstSnapshotDay}): no alert before ${from}.`;
}

function viewOf(row: RuleRow, firstSnapshotDay: string | null, now: Date): RevenueAlertView {
  return {
    rule: row.rule,
    label: REVENUE_ALERT_LABELS[row.rule],
    definition: REVENUE_ALERT_DEFINITIONS[row.rule],
    enabled: row.enabled,
    percent: row.thresholdBps / 100,
    windowDays: row.windowDays,
    state: row.state,
    firingSince: iso(row.firingSince),
    lastValue: row.lastValueBps === null ? null : row.lastValueBps / 10_000,
    lastEvaluatedAt: iso(row.lastEvaluatedAt),
    lastNote: row.lastNote,
    baselineNote: row.rule === "mrr_drop" ? baselineNote(row.windowDays, firstSnapshotDay, now) : null,
  };
}

async function firstSnapshotDay(db: Queryable): Promise<string | null> {
  const [first] = await db
    .select({ day: mrrSnapshots.day })
    .from(mrrSnapshots)
    .where(eq(mrrSnapshots.currency, REPORTING_CURRENCY))
    .orderBy(asc(mrrSnapshots.day))
    .limit(1);
  return first?.day ?? null;
}

/** The console's read: every rule with its settings, state and last figure, and the schedule. */
export async function listRevenueAlerts(db: Database, now = new Date()): Promise<RevenueAlertsOverview> {
  const [rows, first, [schedule]] = await Promise.all([
    readRules(db),
    firstSnapshotDay(db),
    db.select().from(revenueAlertSchedule).limit(1),
  ]);
  return {
    rules: rows.map((row) => viewOf(row, first, now)),
    currency: REPORTING_CURRENCY,
    firstSnapshotDay: first,
    lastEvaluatedAt: iso(schedule?.lastEvaluatedAt ?? null),
    nextEvaluationAt: iso(schedule?.nextEvaluationAt ?? null),
    webhookConfigured: alertsConfigured(),
  };
}

/**
 * Saves one rule's settings, audited with before and after, and moves the schedule to now so the next
 * job run evaluates with them. Saving the same settings again changes nothing and writes no audit row.
 */
export async function updateRevenueAlertRule(
  db: Database,
  input: RevenueAlertInput,
  actorUserId: string,
): Promise<{ rule: RevenueAlertView; changed: boolean }> {
  await readRules(db); // the row exists (written by the migration; again here if it was removed)
  const thresholdBps = Math.round(input.percent * 100);
  const now = new Date();
  const result = await db.transaction(async (tx) => {
    const [before] = await tx.select().from(revenueAlertRules).where(eq(revenueAlertRules.rule, input.rule)).for("update");
    if (before.enabled === input.enabled && before.thresholdBps === thresholdBps && before.windowDays === input.windowDays) {
      return { row: before, changed: false };
    }
    const [after] = await tx
      .update(revenueAlertRules)
      .set({ enabled: input.enabled, thresholdBps, windowDays: input.windowDays, updatedBy: actorUserId, updatedAt: now })
      .where(eq(revenueAlertRules.rule, input.rule))
      .returning();
    await tx.insert(auditLog).values({
      actorUserId,
      action: "revenue_alert.updated",
      targetType: "revenue_alert_rule",
      targetId: input.rule,
      data: {
        before: { enabled: before.enabled, percent: before.thresholdBps / 100, windowDays: before.windowDays },
        after: { enabled: after.enabled, percent: after.thresholdBps / 100, windowDays: after.windowDays },
      },
    });
    await tx
      .insert(revenueAlertSchedule)
      .values({ id: true, nextEvaluationAt: now })
      .onConflictDoUpdate({
        target: revenueAlertSchedule.id,
        set: { nextEvaluationAt: sql`least(${revenueAlertSchedule.nextEvaluationAt}, ${now.toISOString()}::timestamptz)` },
      });
    return { row: after, changed: true };
  });
  return { rule: viewOf(result.row, await firstSnapshotDay(db), now), changed: result.changed };
}

/**
 * The delivery job's step: evaluates the rules if no instance did within EVALUATION_INTERVAL_MS,
 * claimed by moving the schedule forward in one conditional UPDATE. `force` skips the claim.
 */
export async function runRevenueAlerts(db: Database, options: { now?: Date; force?: boolean } = {}): Promise<RevenueAlertReport> {
  const now = options.now ?? new Date();
  if (!options.force && !(await claimEvaluation(db, now))) return { evaluated: false, fired: [], cleared: [] };
  return evaluateRevenueAlerts(db, now);
}

async function claimEvaluation(db: Database, now: Date): Promise<boolean> {
  await db.insert(revenueAlertSchedule).values({ id: true, nextEvaluationAt: now }).onConflictDoNothing();
  const claimed = await db
    .update(revenueAlertSchedule)
    .set({ nextEvaluationAt: new Date(now.getTime() + EVALUATION_INTERVAL_MS), lastEvaluatedAt: now })
    .where(and(eq(revenueAlertSchedule.id, true), lte(revenueAlertSchedule.nextEvaluationAt, now)))
    .returning({ id: revenueAlertSchedule.id });
  return claimed.length > 0;
}

/** What one rule measured: `crossed` null when it could not be measured (its state is left as it is). */
interface Measurement {
  crossed: boolean | null;
  valueBps: number | null;
  note: string | null;
  /** The alert's text when it crossed. */
  text: string;
  data: Record<string, unknown>;
}

/** a ÷ b compared with a threshold in basis points, in integers (no rounding decides a crossing). */
const above = (part: number, whole: number, thresholdBps: number) => part * 10_000 > thresholdBps * whole;
const bps = (part: number, whole: number) => Math.round((part * 10_000) / whole);
const pct = (value: number) => formatPercent(value, 2);

async function measureMrrDrop(db: Queryable, row: RuleRow, rates: WindowRates, now: Date): Promise<Measurement> {
  const target = utcDay(subDays(now, row.windowDays));
  const [baseline] = await db
    .select({ day: mrrSnapshots.day, mrr: mrrSnapshots.mrr })
    .from(mrrSnapshots)
    .where(
      and(
        eq(mrrSnapshots.currency, REPORTING_CURRENCY),
        lte(mrrSnapshots.day, target),
        gte(mrrSnapshots.day, utcDay(subDays(now, row.windowDays + BASELINE_SLACK_DAYS))),
      ),
    )
    .orderBy(desc(mrrSnapshots.day))
    .limit(1);
  const money = (amount: number) => formatMoney(amount, REPORTING_CURRENCY);
  if (!baseline) {
    return { crossed: null, valueBps: null, note: `No MRR snapshot from ${row.windowDays} days ago (${target}) yet.`, text: "", data: {} };
  }
  if (baseline.mrr <= 0) {
    return { crossed: false, valueBps: null, note: `MRR was ${money(0)} on ${baseline.day}: no drop to measure.`, text: "", data: {} };
  }
  const drop = baseline.mrr - rates.mrr;
  return {
    crossed: above(drop, baseline.mrr, row.thresholdBps),
    valueBps: bps(drop, baseline.mrr),
    note: `${money(baseline.mrr)} on ${baseline.day} → ${money(rates.mrr)} now.`,
    text: `Revenue alert: MRR fell ${pct(drop / baseline.mrr)} over ${row.windowDays} days (${money(baseline.mrr)} on ${baseline.day} → ${money(rates.mrr)}), more than the ${pct(row.thresholdBps / 10_000)} threshold.`,
    data: { baselineDay: baseline.day, baselineMrr: baseline.mrr, mrr: rates.mrr, currency: REPORTING_CURRENCY },
  };
}

function measureRate(row: RuleRow, part: number, whole: number, what: { of: string; none: string; headline: string }): Measurement {
  if (whole === 0) return { crossed: false, valueBps: null, note: what.none, text: "", data: {} };
  return {
    crossed: above(part, whole, row.thresholdBps),
    valueBps: bps(part, whole),
    note: `${part} of ${whole} ${what.of}.`,
    text: `Revenue alert: ${what.headline} ${pct(part / whole)} over the last ${row.windowDays} days (${part} of ${whole} ${what.of}), above the ${pct(row.thresholdBps / 10_000)} threshold.`,
    data: { part, whole },
  };
}

async function measure(db: Queryable, row: RuleRow, rates: WindowRates, now: Date): Promise<Measurement> {
  switch (row.rule) {
    case "mrr_drop":
      return measureMrrDrop(db, row, rates, now);
    case "failed_payments":
      return measureRate(row, rates.failedPayments, rates.invoicesDue, {
        of: "invoices that asked for payment",
        none: `No invoice asked for payment in the last ${row.windowDays} days.`,
        headline: "failed-payment rate",
      });
    case "cancellations":
      return measureRate(row, rates.churned, rates.aliveAtStart, {
        of: "priced subscriptions alive at the start",
        none: `No priced subscription was alive ${row.windowDays} days ago.`,
        headline: "cancellation rate",
      });
  }
}

/**
 * Takes today's MRR snapshot and evaluates every enabled rule. Safe to run on several instances at
 * once: each crossing is recorded by the one instance whose conditional UPDATE arms → fires the row.
 */
export async function evaluateRevenueAlerts(db: Database, now = new Date()): Promise<RevenueAlertReport> {
  const rules = await readRules(db);
  const windows = [...new Set(rules.filter((r) => r.enabled).map((r) => r.windowDays))];
  const ratesByWindow = new Map<number, WindowRates>();
  for (const days of windows.length > 0 ? windows : [1]) ratesByWindow.set(days, await computeWindowRates(db, now, days));
  const current = ratesByWindow.values().next().value as WindowRates;
  await db
    .insert(mrrSnapshots)
    .values({ day: utcDay(now), currency: REPORTING_CURRENCY, mrr: current.mrr })
    .onConflictDoNothing();

  const report: RevenueAlertReport = { evaluated: true, fired: [], cleared: [] };
  for (const row of rules) {
    const outcome = await applyRule(
      db,
      row,
      row.enabled ? await measure(db, row, ratesByWindow.get(row.windowDays) as WindowRates, now) : null,
      now,
    );
    if (outcome === "fired") report.fired.push(row.rule);
    if (outcome === "cleared") report.cleared.push(row.rule);
  }
  if (report.fired.length > 0 || report.cleared.length > 0)
    logger.info({ fired: report.fired, cleared: report.cleared }, "revenue alerts evaluated");
  return report;
}

/**
 * One rule's transition, guarded in the UPDATE itself: fires only from `armed` with the settings it was
 * measured with (a change in between waits for the next run), re-arms only from `firing`. A disabled
 * rule (measurement null) is re-armed, so enabling it again alerts if the condition holds then.
 */
async function applyRule(db: Database, row: RuleRow, m: Measurement | null, now: Date): Promise<"fired" | "cleared" | null> {
  const rule = eq(revenueAlertRules.rule, row.rule);
  const measured = m ? { lastValueBps: m.valueBps, lastNote: m.note, lastEvaluatedAt: now } : {};
  const sameSettings = and(
    eq(revenueAlertRules.enabled, true),
    eq(revenueAlertRules.thresholdBps, row.thresholdBps),
    eq(revenueAlertRules.windowDays, row.windowDays),
  );
  if (m?.crossed) {
    const fired = await db.transaction(async (tx) => {
      const [won] = await tx
        .update(revenueAlertRules)
        .set({ state: "firing", firingSince: now, ...measured })
        .where(and(rule, eq(revenueAlertRules.state, "armed"), sameSettings))
        .returning({ rule: revenueAlertRules.rule });
      if (!won) return false;
      await recordAlert(tx, {
        kind: "revenue_threshold",
        dedupeKey: `revenue:${row.rule}:${now.toISOString()}`,
        text: m.text,
        data: { rule: row.rule, valueBps: m.valueBps, thresholdBps: row.thresholdBps, windowDays: row.windowDays, ...m.data },
      });
      return true;
    });
    if (fired) return "fired";
  } else if (m === null || m.crossed === false) {
    const [cleared] = await db
      .update(revenueAlertRules)
      .set({ state: "armed", firingSince: null, ...measured })
      .where(and(rule, eq(revenueAlertRules.state, "firing")))
      .returning({ rule: revenueAlertRules.rule });
    if (cleared) return "cleared";
  }
  if (m) await db.update(revenueAlertRules).set(measured).where(rule);
  return null;
}
