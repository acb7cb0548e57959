/**
 * The admin console's entry points, one per screen, API and action: pages and route handlers call these and
 * never the database. Each opens the app database and delegates to the module that owns the query.
 */
import { getDb } from "@/db/client";
import { syncCustomerFromStripe, setLimitOverride, setStaffPlan, type LimitOverrideInput } from "./customer-actions";
import { getAdminCustomer } from "./customer-detail";
import { listCustomers, type CustomerListQuery } from "./customers";
import { listAdminInvoices, type AdminInvoiceQuery } from "./invoices";
import { METRIC_DEFINITIONS, computeAdminMetrics } from "./metrics";
import { lastReconciliation, listAuditLog, listNotifications, retryNotification, type AuditListQuery } from "./operations";
import { getWebhookEvent, listWebhookEvents, replayWebhookEvent, type WebhookListQuery } from "./webhooks";
import { getEntitlement } from "../entitlements";
import { smtpConfigured } from "../notifications";

export const adminMetrics = async () => computeAdminMetrics(await getDb());
export const adminOverview = async () => ({ metrics: await adminMetrics(), definitions: METRIC_DEFINITIONS });
export const adminCustomers = async (query: CustomerListQuery) => listCustomers(await getDb(), query);
export const adminCustomer = async (userId: string) => getAdminCustomer(await getDb(), userId);
export const adminInvoices = async (query: AdminInvoiceQuery) => listAdminInvoices(await getDb(), query);
export const adminWebhookEvents = async (query: WebhookListQuery) => listWebhookEvents(await getDb(), query);
export const adminWebhookEvent = async (id: string) => getWebhookEvent(await getDb(), id);
export const adminAuditLog = async (query: AuditListQuery) => listAuditLog(await getDb(), query);

/** The Operations screen: last reconciliation, the notifications outbox, the audit log. */
export async function adminOperations(audit: AuditListQuery) {
  const db = await getDb();
  const [reconciliation, outbox, auditPage] = await Promise.all([
    lastReconciliation(db),
    listNotifications(db, { limit: 50 }),
    listAuditLog(db, audit),
  ]);
  return { reconciliation, outbox, audit: auditPage, emailDelivery: smtpConfigured() };
}

export const grantStaffPlan = async (userId: string, grant: boolean, actorUserId: string) => setStaffPlan(await getDb(), userId, grant, actorUserId);
export const syncCustomer = async (userId: string, actorUserId: string) => syncCustomerFromStripe(await getDb(), userId, actorUserId);
export const replayEvent = async (id: string, actorUserId: string) => replayWebhookEvent(await getDb(), id, actorUserId);
export const retryOutboxNotification = async (id: string, actorUserId: string) => retryNotification(await getDb(), id, actorUserId);

/** Sets a limit override and answers the customer's effective limits afterwards. */
export async function overrideCustomerLimit(userId: string, input: LimitOverrideInput, actorUserId: string) {
  const db = await getDb();
  await setLimitOverride(db, userId, input, actorUserId);
  const entitlement = await getEntitlement(db, userId);
  return { limits: entitlement.limits, overriddenMeters: entitlement.overriddenMeters };
}
