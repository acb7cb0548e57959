import "server-only";
import { sql } from "drizzle-orm";
import { getDb, selectRows } from "@/db/client";
import { logger } from "@/lib/logger";
import { sendMeterEvent } from "@/lib/stripe/meter-events";
import { billedMeters } from "@/lib/stripe/meter-catalog";

export interface UsageReport {
  /** Events Stripe accepted now. */
  sent: number;
  /** Events Stripe already had (a run that crashed after sending): marked, not counted twice. */
  duplicates: number;
  /** Billable units marked reported (sent + duplicates). */
  units: number;
  /** Events left for a later run: no Stripe customer on record. */
  skipped: number;
}

export interface ReportOptions {
  batchSize?: number;
  /** How long a run holds the events it took; a crashed run's events are retaken after this. */
  claimSeconds?: number;
  now?: Date;
}

interface ClaimedEvent {
  id: string;
  meter: string;
  billable_quantity: unknown;
  created_at: unknown;
  period_start: unknown;
  period_end: unknown;
  customer_id: string | null;
}

/**
 * Sends the billable usage of `bill` meters (the units past the included amount) to Stripe Billing
 * Meters, each usage event as one meter event whose `identifier` is the event id, then marks it
 * `reported_at`. Runs take batches with `FOR UPDATE SKIP LOCKED` and a time-limited claim, so
 * concurrent runs never send the same event, and no transaction is open while Stripe is called.
 * A run that crashes between sending and marking leaves the claim to expire; the next run resends,
 * Stripe answers "duplicate identifier", and the event is marked: nothing twice, nothing lost.
 */
export async function reportBillableUsage(options: ReportOptions = {}): Promise<UsageReport> {
  const batchSize = options.batchSize ?? 200;
  const claimSeconds = options.claimSeconds ?? 300;
  const now = options.now ?? new Date();
  const eventNames = new Map(billedMeters().map((m) => [m.id as string, m.definition.stripe.eventName]));
  const report: UsageReport = { sent: 0, duplicates: 0, units: 0, skipped: 0 };
  if (eventNames.size === 0) return report;
  const db = await getDb();
  const claimUntil = new Date(now.getTime() + claimSeconds * 1000).toISOString();
  for (;;) {
    const claimed = await selectRows<ClaimedEvent>(
      db,
      sql`
        with picked as (
          select id, created_at from usage_events
          where reported_at is null and billable_quantity > 0
            and meter in (${sql.join(
              [...eventNames.keys()].map((m) => sql`${m}`),
              sql`, `,
            )})
            and (report_claimed_until is null or report_claimed_until < ${now.toISOString()}::timestamptz)
          order by created_at
          limit ${batchSize}
          for update skip locked
        ),
        claimed as (
          update usage_events e set report_claimed_until = ${claimUntil}::timestamptz
          from picked where e.id = picked.id and e.created_at = picked.created_at -- the partition key: one partition probed
          returning e.id, e.account_id, e.meter, e.billable_quantity, e.created_at, e.period_start, e.period_end
        )
        select claimed.id, claimed.meter, claimed.billable_quantity, claimed.created_at, claimed.period_start, claimed.period_end,
          bc.provider_customer_id as customer_id
        from claimed
        left join billing_customers bc on bc.account_id = claimed.account_id and bc.provider = 'stripe' and bc.deleted_at is null
        order by claimed.created_at`,
    );
    if (claimed.length === 0) break;
    const done: string[] = [];
    try {
      for (const event of claimed) {
        if (!event.customer_id) {
          report.skipped += 1;
          logger.warn({ usageEventId: event.id }, "billable usage without a Stripe customer: left unreported");
          continue;
        }
        const outcome = await sendMeterEvent({
          eventName: eventNames.get(event.meter) as string,
          customerId: event.customer_id,
          value: Number(event.billable_quantity),
          identifier: `usage_${event.id}`,
          timestamp: meterEventTimestamp(event),
        });
        report[outcome === "sent" ? "sent" : "duplicates"] += 1;
        report.units += Number(event.billable_quantity);
        done.push(event.id);
      }
    } finally {
      // Mark what Stripe has, even when the batch stopped halfway.
      if (done.length > 0) {
        await db.execute(
          sql`update usage_events set reported_at = ${now.toISOString()}::timestamptz, report_claimed_until = null
              where id in (${sql.join(
                done.map((id) => sql`${id}::uuid`),
                sql`, `,
              )})`,
        );
      }
    }
    if (claimed.length < batchSize || claimed.every((e) => !e.customer_id)) break;
  }
  return report;
}

/**
 * When the usage happened, kept inside the billing period it was metered in, so that Stripe
 * invoices it with that period. (Always already inside in production; on Stripe test clocks the
 * period is the clock's while the row's created_at is the wall clock's.)
 */
function meterEventTimestamp(event: { created_at: unknown; period_start: unknown; period_end: unknown }): number {
  const seconds = (value: unknown) => Math.floor(new Date(value as string).getTime() / 1000);
  return Math.min(Math.max(seconds(event.created_at), seconds(event.period_start)), seconds(event.period_end) - 1);
}
