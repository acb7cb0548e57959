/** One customer as admins see it: subscription with history, invoices, usage, events, notifications, audit. */
import "server-only";
import { env as serverEnv } from "@/env";
import { desc, eq, inArray } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import {
  accounts,
  billingCustomers,
  invoices,
  memberships,
  users,
  webhookEvents,
  type AccountKind,
  type CustomerTaxId,
  type MembershipRole,
} from "@/db/schema";
import { notFound } from "@/lib/errors";
import { paymentsMode } from "@/lib/stripe/client";
import { gracePeriodDays, readLimitOverrides, resolveEntitlement } from "../entitlements";
import { smtpConfigured } from "../notifications";
import { METERS, METER_IDS, effectiveLimit, findPlan, type MeterId } from "../plans";
import { listSubscriptionChanges, type SubscriptionChangeRow } from "../subscription-history";
import { summarize, userSubscriptions, type BillingSummary } from "../summary";
import { listAdminInvoices, type AdminInvoiceRow } from "./invoices";
import { listAuditLog, listNotifications, type AuditRow, type NotificationRow } from "./operations";
import { ADMIN_GRANT_PROVIDER, STAFF_PLAN_ID } from "./staff-grant";
import { readCurrentUsage, usageShare } from "./usage";
import { toWebhookRow, webhookRowColumns, type WebhookEventRow } from "./webhooks";
import { readAccountCredits, type MeterCredits } from "../credits/ledger";
import { SUBSCRIPTION_STATUS } from "../subscription-status";

export interface SubscriptionHistoryRow {
  id: string;
  provider: string;
  providerSubscriptionId: string;
  planId: string;
  planName: string;
  status: string;
  interval: string | null;
  unitAmount: number | null;
  /** Units billed now: the seats of a per-seat plan. */
  quantity: number;
  /** The seats billed from the next period when a removal lowered them (else null). */
  pendingQuantity: number | null;
  currency: string | null;
  cancelAtPeriodEnd: boolean;
  currentPeriodEnd: string | null;
  createdAt: string;
  endedAt: string | null;
}

export interface MeterUsageRow {
  meter: MeterId;
  label: string;
  unit: string;
  used: number;
  /** Effective limit (override applied); null is unlimited. */
  limit: number | null;
  planLimit: number | null;
  overridden: boolean;
  share: number | null;
}

export interface AdminCustomerMember {
  userId: string;
  email: string;
  name: string | null;
  role: MembershipRole;
}

export interface AdminCustomerSeats {
  members: number;
  quantity: number;
  pendingQuantity: number | null;
}

/** Whether a plan is priced per seat (`seats` on its catalog entry, lib/billing/plans.ts). */
export function pricedPerSeat(planId: string): boolean {
  const plan = findPlan(planId);
  return Boolean(plan && "seats" in plan && plan.seats);
}

export interface AdminCustomer {
  /** The account id (for a personal account, also its user's id). */
  id: string;
  kind: AccountKind;
  /** The person's address, or an organization's billing email (else its first owner's). */
  email: string;
  name: string | null;
  /** The person's app role (user or admin) for a personal account; "organization" otherwise. */
  role: string;
  members: AdminCustomerMember[];
  /**
   * On a plan priced per seat: the members, the seats Stripe bills now (the subscription's quantity)
   * and the seats it bills from the next period when a removal lowered them. Null otherwise.
   */
  seats: AdminCustomerSeats | null;
  customerSince: string;
  providerCustomerId: string | null;
  /** The customer's tax IDs (VAT, GST, …) as last read from Stripe. */
  taxIds: CustomerTaxId[];
  /** A link to the customer in the Stripe dashboard: only when running on real Stripe. */
  stripeDashboardUrl: string | null;
  summary: BillingSummary;
  hasStaffGrant: boolean;
  subscriptions: SubscriptionHistoryRow[];
  /** The account's subscription changes (started, plan changed, cancel scheduled, resumed, …), newest first. */
  history: SubscriptionChangeRow[];
  /** Prepaid credits per meter that sells them: balance, auto top-up, recent history. */
  credits: MeterCredits[];
  invoices: AdminInvoiceRow[];
  usage: MeterUsageRow[];
  webhookEvents: WebhookEventRow[];
  notifications: NotificationRow[];
  audit: AuditRow[];
  /** Whether failed notifications can be retried (SMTP is configured). */
  emailDelivery: boolean;
}

export function stripeDashboardUrl(providerCustomerId: string, env: Record<string, string | undefined> = serverEnv): string | null {
  if (paymentsMode(env) !== "stripe") return null;
  const test = env.STRIPE_SECRET_KEY?.startsWith("sk_test_") || env.STRIPE_SECRET_KEY?.startsWith("rk_test_");
  return `https://dashboard.stripe.com/${test ? "test/" : ""}customers/${encodeURIComponent(providerCustomerId)}`;
}

export async function getAdminCustomer(db: Queryable, accountId: string, now = new Date()): Promise<AdminCustomer> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId)).limit(1);
  if (!account) throw notFound("No customer with that id.");
  const members = await db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, appRole: users.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, accountId))
    .orderBy(memberships.createdAt);
  const person = account.personalUserId ? members.find((m) => m.userId === account.personalUserId) : undefined;
  const [customer] = await db.select().from(billingCustomers).where(eq(billingCustomers.accountId, accountId)).limit(1);
  const [subs, overrides, invoicePage, notes, audit, history, credits] = await Promise.all([
    userSubscriptions(db, accountId),
    readLimitOverrides(db, accountId),
    listAdminInvoices(db, { accountId, limit: 25 }),
    listNotifications(db, { accountId, limit: 25 }),
    listAuditLog(db, { targetType: "account", targetId: accountId, limit: 50 }),
    listSubscriptionChanges(db, accountId, { limit: 100 }),
    readAccountCredits(db, accountId),
  ]);
  const summary = summarize(subs, now, overrides);
  const entitlement = resolveEntitlement(subs, now, gracePeriodDays(), overrides);
  const usage = await readCurrentUsage(db, [{ accountId, entitlement }], now);
  const invoiceIds = (
    await db
      .select({ id: invoices.providerInvoiceId })
      .from(invoices)
      .where(eq(invoices.accountId, accountId))
      .orderBy(desc(invoices.providerCreatedAt))
      .limit(100)
  ).map((r) => r.id);
  const objectIds = [...subs.map((s) => s.providerSubscriptionId), ...invoiceIds, ...(customer ? [customer.providerCustomerId] : [])];
  const events =
    objectIds.length === 0
      ? []
      : await db
          .select(webhookRowColumns)
          .from(webhookEvents)
          .where(inArray(webhookEvents.objectId, objectIds))
          .orderBy(desc(webhookEvents.receivedAt))
          .limit(25);
  const plan = findPlan(summary.plan.id);
  const billed = entitlement.subscription;
  const used = usage.get(accountId) ?? {};
  return {
    id: account.id,
    kind: account.kind,
    email: person?.email ?? customer?.email ?? members.find((m) => m.role === "owner")?.email ?? "",
    name: person ? person.name : account.name,
    role: person ? person.appRole : "organization",
    members: members.map(({ userId, email, name, role }) => ({ userId, email, name, role })),
    seats:
      billed && pricedPerSeat(billed.planId)
        ? { members: members.length, quantity: billed.quantity, pendingQuantity: billed.pendingQuantity }
        : null,
    customerSince: account.createdAt.toISOString(),
    providerCustomerId: customer?.providerCustomerId ?? null,
    taxIds: customer?.taxIds ?? [],
    stripeDashboardUrl: customer && customer.provider === "stripe" ? stripeDashboardUrl(customer.providerCustomerId) : null,
    summary,
    hasStaffGrant: subs.some(
      (s) => s.provider === ADMIN_GRANT_PROVIDER && s.planId === STAFF_PLAN_ID && s.status === SUBSCRIPTION_STATUS.active,
    ),
    subscriptions: subs.map((s) => ({
      id: s.id,
      provider: s.provider,
      providerSubscriptionId: s.providerSubscriptionId,
      planId: s.planId,
      planName: findPlan(s.planId)?.name ?? s.planId,
      status: s.status,
      interval: s.interval,
      unitAmount: s.unitAmount,
      quantity: s.quantity,
      pendingQuantity: s.pendingQuantity,
      currency: s.currency,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      currentPeriodEnd: s.currentPeriodEnd?.toISOString() ?? null,
      createdAt: s.createdAt.toISOString(),
      endedAt: (s.endedAt ?? s.canceledAt)?.toISOString() ?? null,
    })),
    history,
    credits,
    invoices: invoicePage.invoices,
    usage: METER_IDS.map((meter) => {
      const limit = summary.entitlements.limits[meter];
      const value = used[meter] ?? 0;
      return {
        meter,
        label: METERS[meter].label,
        unit: METERS[meter].unit,
        used: value,
        limit,
        planLimit: plan ? effectiveLimit(plan.limits[meter], summary.seats?.quantity ?? 1) : null,
        overridden: overrides.some((o) => o.meter === meter),
        share: usageShare(value, limit),
      };
    }),
    webhookEvents: events.map(toWebhookRow),
    notifications: notes,
    audit: audit.entries,
    emailDelivery: smtpConfigured(),
  };
}
