/**
 * The admin customer list: every user with their current plan, status, MRR and main-meter usage,
 * searchable, filterable and keyset-paginated so it stays fast with 100,000 customers.
 */
import { inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { selectRows, type Queryable } from "@/db/client";
import { customerLimitOverrides, subscriptions, type Subscription } from "@/db/schema";
import { cursorDate, cursorInteger, cursorUuid, decodeCursor, encodeCursor, pageOf } from "@/lib/pagination";
import { gracePeriodDays, resolveEntitlement, type LimitOverride } from "../entitlements";
import { PLANS } from "../plans";
import { MAIN_METER, readCurrentUsage, usageShare } from "./usage";

export const CUSTOMER_STATUS_FILTERS = ["active", "trialing", "past_due", "canceling", "canceled", "free"] as const;
export const CUSTOMER_SORTS = ["created", "email", "mrr"] as const;

export const customerListQuery = z.object({
  search: z.string().trim().max(200).optional().transform((v) => v || undefined),
  status: z.enum(CUSTOMER_STATUS_FILTERS, { message: `status must be one of ${CUSTOMER_STATUS_FILTERS.join(", ")}` }).optional(),
  plan: z
    .enum(PLANS.map((p) => p.id) as [string, ...string[]], { message: "plan must be a plan id from the catalog" })
    .optional(),
  sort: z.enum(CUSTOMER_SORTS, { message: `sort must be one of ${CUSTOMER_SORTS.join(", ")}` }).default("created"),
  dir: z.enum(["asc", "desc"], { message: 'dir must be "asc" or "desc"' }).default("desc"),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type CustomerListQuery = z.infer<typeof customerListQuery>;

export interface CustomerRow {
  id: string;
  email: string;
  name: string | null;
  planId: string;
  planName: string;
  /** The current subscription's status, "canceling" when set to cancel, or "free". */
  status: string;
  /** Minor units per month in `currency`. */
  mrr: number;
  currency: string;
  mainMeter: string;
  /** Usage of the main meter this period as a share of its effective limit; null when unlimited. */
  mainMeterUsage: number | null;
  mainMeterUsed: number;
  customerSince: string;
}

interface ListRow {
  id: string;
  email: string;
  name: string | null;
  created_at: string | Date;
  plan_id: string | null;
  status: string | null;
  cancel_at_period_end: boolean | null;
  currency: string | null;
  mrr: string | number;
}

const planRank = sql.raw(`case s.plan_id ${PLANS.map((p) => `when '${p.id}' then ${p.rank}`).join(" ")} else -1 end`);
const CURRENT = sql.raw(`('active', 'trialing', 'past_due')`);

/** One user's current subscription: the highest plan among live ones, else the newest row. */
const currentSubscription = sql`left join lateral (
  select s.plan_id, s.status, s.cancel_at_period_end, s.currency
  from subscriptions s
  where s.user_id = u.id
  order by (s.status in ${CURRENT}) desc, ${planRank} desc, s.created_at desc
  limit 1
) c on true`;

/**
 * The MRR shown and sorted on: kept on the user row by a trigger on `subscriptions` (migration 0006,
 * `user_current_mrr`), so sorting 100,000 customers by it reads an index instead of evaluating every
 * customer's subscriptions.
 */
const MRR = sql`u.current_mrr`;

const escapeLike = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

function statusCondition(status: CustomerListQuery["status"]): SQL | undefined {
  switch (status) {
    case undefined:
      return undefined;
    case "free":
      return sql`(c.status is null or c.status not in ${CURRENT})`;
    case "canceling":
      return sql`(c.status in ${CURRENT} and c.cancel_at_period_end)`;
    default:
      return sql`c.status = ${status}`;
  }
}

function keysetCondition(query: CustomerListQuery): SQL | undefined {
  if (!query.cursor) return undefined;
  const op = sql.raw(query.dir === "desc" ? "<" : ">");
  if (query.sort === "email") {
    const [email] = decodeCursor(query.cursor, 1);
    return sql`u.email ${op} ${String(email)}`;
  }
  const [value, rawId] = decodeCursor(query.cursor, 2);
  const id = cursorUuid(rawId);
  if (query.sort === "mrr") return sql`(${MRR}, u.id) ${op} (${cursorInteger(value)}, ${id}::uuid)`;
  return sql`(u.created_at, u.id) ${op} (${cursorDate(value).toISOString()}::timestamptz, ${id}::uuid)`;
}

function orderBy(query: CustomerListQuery): SQL {
  const dir = sql.raw(query.dir);
  if (query.sort === "email") return sql`u.email ${dir}`;
  if (query.sort === "mrr") return sql`${MRR} ${dir}, u.id ${dir}`;
  return sql`u.created_at ${dir}, u.id ${dir}`;
}

function cursorOf(query: CustomerListQuery, row: ListRow): string {
  if (query.sort === "email") return encodeCursor([row.email]);
  if (query.sort === "mrr") return encodeCursor([Number(row.mrr), row.id]);
  return encodeCursor([new Date(row.created_at), row.id]);
}

export async function listCustomers(db: Queryable, query: CustomerListQuery, now = new Date()): Promise<{ customers: CustomerRow[]; nextCursor: string | null }> {
  const conditions = [
    // Emails are stored lower-cased; a prefix match uses users_email_prefix_idx (text_pattern_ops).
    query.search ? sql`u.email like ${`${escapeLike(query.search.toLowerCase())}%`}` : undefined,
    statusCondition(query.status),
    query.plan ? sql`c.plan_id = ${query.plan} and c.status in ${CURRENT}` : undefined,
    keysetCondition(query),
  ].filter((c): c is SQL => c !== undefined);
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const rows = await selectRows<ListRow>(
    db,
    sql`select u.id, u.email, u.name, u.created_at, c.plan_id, c.status, c.cancel_at_period_end, c.currency, ${MRR} as mrr
        from users u ${currentSubscription} ${where}
        order by ${orderBy(query)} limit ${query.limit + 1}`,
  );
  const page = pageOf(rows, query.limit, (row) => cursorOf(query, row));
  return { customers: await describeCustomers(db, page.items, now), nextCursor: page.nextCursor };
}

/** Plan, status and main-meter usage for a page of users, with three batched reads (usage in each user's own window). */
async function describeCustomers(db: Queryable, rows: ListRow[], now: Date): Promise<CustomerRow[]> {
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const [subs, overrides] = await Promise.all([
    db.select().from(subscriptions).where(inArray(subscriptions.userId, ids)),
    db.select().from(customerLimitOverrides).where(inArray(customerLimitOverrides.userId, ids)),
  ]);
  const subsBy = groupBy<Subscription>(subs, (s) => s.userId);
  const overridesBy = groupBy<LimitOverride & { userId: string }>(overrides, (o) => o.userId);
  const graceDays = gracePeriodDays();
  const entitlements = new Map(rows.map((row) => [row.id, resolveEntitlement(subsBy.get(row.id) ?? [], now, graceDays, overridesBy.get(row.id) ?? [])]));
  const usage = await readCurrentUsage(
    db,
    [...entitlements].map(([userId, entitlement]) => ({ userId, entitlement })),
    now,
  );
  return rows.map((row) => {
    const entitlement = entitlements.get(row.id)!;
    const used = usage.get(row.id)?.[MAIN_METER] ?? 0;
    const live = row.status !== null && ["active", "trialing", "past_due"].includes(row.status);
    return {
      id: row.id,
      email: row.email,
      name: row.name,
      planId: entitlement.plan.id,
      planName: entitlement.plan.name,
      status: !live ? (row.status ?? "free") : row.cancel_at_period_end ? "canceling" : (row.status as string),
      mrr: Number(row.mrr),
      currency: row.currency ?? PLANS[0].currency,
      mainMeter: MAIN_METER,
      mainMeterUsage: usageShare(used, entitlement.limits[MAIN_METER]),
      mainMeterUsed: used,
      customerSince: new Date(row.created_at).toISOString(),
    };
  });
}

export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
