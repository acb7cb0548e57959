/**
 * Subscription statuses and MRR inside SQL, from the one vocabulary (./subscription-status.ts):
 * queries never spell a status out.
 */
import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { isSubscriptionStatus, type StatusGroup, type SubscriptionStatus } from "./subscription-status";

function literal(status: SubscriptionStatus): string {
  // The statuses are the module's constants; checked anyway, since they are inlined.
  if (!isSubscriptionStatus(status)) throw new Error(`not a subscription status: ${String(status)}`);
  return `'${status}'`;
}

/**
 * One status as a SQL literal. Inlined rather than bound: the planner then sees the value, as it
 * did when the queries spelled it (estimates per status, the `subscriptions_status_idx` index).
 */
export const sqlStatus = (status: SubscriptionStatus): SQL => sql.raw(literal(status));

/** A group as a parenthesised SQL list, for `status in ${sqlStatuses(PAYING)}`. */
export const sqlStatuses = (group: StatusGroup): SQL => sql.raw(`(${group.map(literal).join(", ")})`);

/**
 * One subscription row's MRR in minor units per month, unrounded (null when it counts for none):
 * the database function `subscription_mrr` (migration 0022), the one definition the admin metrics
 * and the accounts' `current_mrr` trigger share. `table` qualifies the columns (`s`), if needed.
 */
export function subscriptionMrr(table?: string): SQL {
  const c = (column: string) => sql.raw(table ? `${table}."${column}"` : `"${column}"`);
  return sql`subscription_mrr(${c("status")}, ${c("unit_amount")}, ${c("quantity")}, ${c("interval")})`;
}
