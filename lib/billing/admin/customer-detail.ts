/** One customer as admins see it: subscription with history, invoices, usage, events, notifications, audit. */
import { desc, eq, inArray } from "drizzle-orm";
import type { Queryable } from "@/db/client";
import { billingCustomers, invoices, users, webhookEvents } from "@/db/schema";
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

export interface SubscriptionHistoryRow {
  id: string;
  provider: string;
  providerSubscriptionId: string;
  planId: string;
  planName: string;
  status: string;
  interval: string | null;
  unitAmount: number | null;
  quantity: number;
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

export interface AdminCustomer {
  id: string;
  email: string;
  name: string | null;
  role: string;
  customerSince: string;
  providerCustomerId: string | null;
  /** A link to the customer in the Stripe dashboard: only when running on real Stripe. */
  stripeDashboardUrl: string | null;
  summary: BillingSummary;
  hasStaffGrant: boolean;
  subscriptions: SubscriptionHistoryRow[];
  /** The account's subscription changes (started, plan changed, cancel scheduled, resumed, …), newest first. */
  history: SubscriptionChangeRow[];
  invoices: AdminInvoiceRow[];
  usage: MeterUsageRow[];
  webhookEvents: WebhookEventRow[];
  notifications: NotificationRow[];
  audit: AuditRow[];
  /** Whether failed notifications can be retried (SMTP is configured). */
  emailDelivery: boolean;
}

export function stripeDashboardUrl(providerCustomerId: string, env: Record<string, string | undefined> = process.env): string | null {
  if (paymentsMode(env) !== "stripe") return null;
  const test = env.STRIPE_SECRET_KEY?.startsWith("sk_test_") || env.STRIPE_SECRET_KEY?.startsWith("rk_test_");
  return `https://dashboard.stripe.com/${test ? "test/" : ""}customers/${encodeURIComponent(providerCustomerId)}`;
}

export async function getAdminCustomer(db: Queryable, userId: string, now = new Date()): Promise<AdminCustomer> {
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw notFound("No customer with that id.");
  const [customer] = await db.select().from(billingCustomers).where(eq(billingCustomers.userId, userId)).limit(1);
  const [subs, overrides, invoicePage, notes, audit, history] = await Promise.all([
    userSubscriptions(db, userId),
    readLimitOverrides(db, userId),
    listAdminInvoices(db, { userId, limit: 25 }),
    listNotifications(db, { userId, limit: 25 }),
    listAuditLog(db, { targetType: "user", targetId: userId, limit: 50 }),
    listSubscriptionChanges(db, userId, { limit: 100 }),
  ]);
  const summary = summarize(subs, now, overrides);
  const entitlement = resolveEntitlement(subs, now, gracePeriodDays(), overrides);
  const usage = await readCurrentUsage(db, [{ userId, entitlement }], now);
  const invoiceIds = (
    await db.select({ id: invoices.providerInvoiceId }).from(invoices).where(eq(invoices.userId, userId)).orderBy(desc(invoices.providerCreatedAt)).limit(100)
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
  const used = usage.get(userId) ?? {};
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    customerSince: user.createdAt.toISOString(),
    providerCustomerId: customer?.providerCustomerId ?? null,
    stripeDashboardUrl: customer && customer.provider === "stripe" ? stripeDashboardUrl(customer.providerCustomerId) : null,
    summary,
    hasStaffGrant: subs.some((s) => s.provider === ADMIN_GRANT_PROVIDER && s.planId === STAFF_PLAN_ID && s.status === "active"),
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
      currency: s.currency,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
      currentPeriodEnd: s.currentPeriodEnd?.toISOString() ?? null,
      createdAt: s.createdAt.toISOString(),
      endedAt: (s.endedAt ?? s.canceledAt)?.toISOString() ?? null,
    })),
    history,
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
