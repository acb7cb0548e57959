/**
 * The admin customer list: every account (a person's own or an organization) with its current plan,
 * status, MRR, members and main-meter usage, searchable, filterable and keyset-paginated so it stays
 * fast with 100,000 customers.
 */
import "server-only";
import { inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { selectRows, type Queryable } from "@/db/client";
import { customerLimitOverrides, subscriptions, type Subscription } from "@/db/schema";
import { cursorDate, cursorInteger, cursorUuid, decodeCursor, encodeCursor, pageOf } from "@/lib/pagination";
import { gracePeriodDays, resolveEntitlement, type LimitOverride } from "../entitlements";
import { PLANS } from "../plans";
import { IN_FORCE, inGroup, SUBSCRIPTION_STATUS } from "../subscription-status";
import { sqlStatuses } from "../subscription-status-sql";
import { MAIN_METER, readCurrentUsage, usageShare } from "./usage";

/** The admin list's status filter: a status in force, canceled, or the list's own words `canceling` and `free`. */
export const CUSTOMER_STATUS_FILTERS = [...IN_FORCE, "canceling", SUBSCRIPTION_STATUS.canceled, "free"] as const;
export const CUSTOMER_SORTS = ["created", "email", "mrr"] as const;

export const customerListQuery = z.object({
  search: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || undefined),
  status: z.enum(CUSTOMER_STATUS_FILTERS, { message: `status must be one of ${CUSTOMER_STATUS_FILTERS.join(", ")}` }).optional(),
  plan: z.enum(PLANS.map((p) => p.id) as [string, ...string[]], { message: "plan must be a plan id from the catalog" }).optional(),
  sort: z.enum(CUSTOMER_SORTS, { message: `sort must be one of ${CUSTOMER_SORTS.join(", ")}` }).default("created"),
  dir: z.enum(["asc", "desc"], { message: 'dir must be "asc" or "desc"' }).default("desc"),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type CustomerListQuery = z.infer<typeof customerListQuery>;

export interface CustomerRow {
  /** The account id (for a personal account, also its user's id). */
  id: string;
  kind: "personal" | "organization";
  /** The person's address, or for an organization its billing email (else its first owner's). */
  email: string;
  name: string | null;
  /** Members of the account (1 for a personal account). */
  members: number;
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
  kind: "personal" | "organization";
  email: string | null;
  name: string | null;
  sort_email: string;
  members: string | number;
  created_at: string | Date;
  plan_id: string | null;
  status: string | null;
  cancel_at_period_end: boolean | null;
  currency: string | null;
  mrr: string | number;
}

const planRank = sql.raw(`case s.plan_id ${PLANS.map((p) => `when '${p.id}' then ${p.rank}`).join(" ")} else -1 end`);
/** The statuses the list calls current (a plan in force); any other status shows as it is, or free. */
const CURRENT = sqlStatuses(IN_FORCE);

/** One account's current subscription: the highest plan among those in force, else the newest row. */
const currentSubscription = sql`left join lateral (
  select s.plan_id, s.status, s.cancel_at_period_end, s.currency
  from subscriptions s
  where s.account_id = a.id
  order by (s.status in ${CURRENT}) desc, ${planRank} desc, s.created_at desc
  limit 1
) c on true`;

/**
 * The MRR shown and sorted on: kept on the account row by a trigger on `subscriptions` (migration
 * 0011, `account_current_mrr`), so sorting 100,000 customers by it reads an index instead of
 * evaluating every customer's subscriptions.
 */
const MRR = sql`a.current_mrr`;

/**
 * What "email" sorts on: the person's address, or an organization's name (lower-cased); the
 * expression of the `accounts_sort_email_id_idx` index, so a page reads the index in order.
 */
const SORT_EMAIL = sql`coalesce(a.person_email, lower(a.name))`;

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
  const [value, rawId] = decodeCursor(query.cursor, 2);
  const id = cursorUuid(rawId);
  if (query.sort === "email") return sql`(${SORT_EMAIL}, a.id) ${op} (${String(value)}, ${id}::uuid)`;
  if (query.sort === "mrr") return sql`(${MRR}, a.id) ${op} (${cursorInteger(value)}, ${id}::uuid)`;
  return sql`(a.created_at, a.id) ${op} (${cursorDate(value).toISOString()}::timestamptz, ${id}::uuid)`;
}

function orderBy(query: CustomerListQuery): SQL {
  const dir = sql.raw(query.dir);
  if (query.sort === "email") return sql`${SORT_EMAIL} ${dir}, a.id ${dir}`;
  if (query.sort === "mrr") return sql`${MRR} ${dir}, a.id ${dir}`;
  return sql`a.created_at ${dir}, a.id ${dir}`;
}

function cursorOf(query: CustomerListQuery, row: ListRow): string {
  if (query.sort === "email") return encodeCursor([row.sort_email, row.id]);
  if (query.sort === "mrr") return encodeCursor([Number(row.mrr), row.id]);
  return encodeCursor([new Date(row.created_at), row.id]);
}

export async function listCustomers(
  db: Queryable,
  query: CustomerListQuery,
  now = new Date(),
): Promise<{ customers: CustomerRow[]; nextCursor: string | null }> {
  const conditions = [
    // Emails are stored lower-cased; an account also matches by its name (an organization's, or the
    // person's). Each side has its prefix index (accounts_person_email_prefix_idx, accounts_name_prefix_idx).
    query.search
      ? sql`(a.person_email like ${`${escapeLike(query.search.toLowerCase())}%`} or lower(a.name) like ${`${escapeLike(query.search.toLowerCase())}%`})`
      : undefined,
    statusCondition(query.status),
    query.plan ? sql`c.plan_id = ${query.plan} and c.status in ${CURRENT}` : undefined,
    keysetCondition(query),
  ].filter((c): c is SQL => c !== undefined);
  const where = conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const rows = await selectRows<ListRow>(
    db,
    sql`select a.id, a.kind, a.name, a.created_at, ${SORT_EMAIL} as sort_email,
          coalesce(a.person_email, (select bc.email from billing_customers bc where bc.account_id = a.id),
            (select ou.email from memberships m join users ou on ou.id = m.user_id
             where m.account_id = a.id and m.role = 'owner' order by m.created_at limit 1)) as email,
          (select count(*) from memberships m where m.account_id = a.id) as members,
          c.plan_id, c.status, c.cancel_at_period_end, c.currency, ${MRR} as mrr
        from accounts a ${currentSubscription} ${where}
        order by ${orderBy(query)} limit ${query.limit + 1}`,
  );
  const page = pageOf(rows, query.limit, (row) => cursorOf(query, row));
  return { customers: await describeCustomers(db, page.items, now), nextCursor: page.nextCursor };
}

/** Plan, status and main-meter usage for a page of accounts, with three batched reads (usage in each account's own window). */
async function describeCustomers(db: Queryable, rows: ListRow[], now: Date): Promise<CustomerRow[]> {
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const [subs, overrides] = await Promise.all([
    db.select().from(subscriptions).where(inArray(subscriptions.accountId, ids)),
    db.select().from(customerLimitOverrides).where(inArray(customerLimitOverrides.accountId, ids)),
  ]);
  const subsBy = groupBy<Subscription>(subs, (s) => s.accountId);
  const overridesBy = groupBy<LimitOverride & { accountId: string }>(overrides, (o) => o.accountId);
  const graceDays = gracePeriodDays();
  const entitlements = new Map(
    rows.map((row) => [row.id, resolveEntitlement(subsBy.get(row.id) ?? [], now, graceDays, overridesBy.get(row.id) ?? [])]),
  );
  const usage = await readCurrentUsage(
    db,
    [...entitlements].map(([accountId, entitlement]) => ({ accountId, entitlement })),
    now,
  );
  return rows.map((row) => {
    const entitlement = entitlements.get(row.id)!;
    const used = usage.get(row.id)?.[MAIN_METER] ?? 0;
    const inForce = inGroup(IN_FORCE, row.status);
    return {
      id: row.id,
      kind: row.kind,
      email: row.email ?? "",
      name: row.name,
      members: Number(row.members),
      planId: entitlement.plan.id,
      planName: entitlement.plan.name,
      status: !inForce ? (row.status ?? "free") : row.cancel_at_period_end ? "canceling" : (row.status as string),
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
