/**
 * The admin console's entry points, one per screen, API and action: pages and route handlers call these and
 * never the database. Each opens the app database and delegates to the module that owns the query.
 */
import "server-only";
import { getDb, type Database } from "@/db/client";
import { pullCustomerFromStripe, setLimitOverride, setStaffPlan, type LimitOverrideInput } from "./customer-actions";
import { getAdminCustomer } from "./customer-detail";
import { listCustomers, type CustomerListQuery } from "./customers";
import { listAdminInvoices, type AdminInvoiceQuery } from "./invoices";
import { METRIC_DEFINITIONS, computeAdminMetrics, type AdminMetrics } from "./metrics";
import { lastReconciliation, listAuditLog, listNotifications, retryNotification, type AuditListQuery } from "./operations";
import { createPromotion, deactivatePromotion, listPromotions, type PromotionInput } from "./promotions";
import { listRevenueAlerts, updateRevenueAlertRule, type RevenueAlertInput } from "./revenue-alerts";
import { getWebhookEvent, listWebhookEvents, replayWebhookEvent, type WebhookListQuery } from "./webhooks";
import {
  createEndpoint,
  listDeliveries,
  listEndpoints,
  replayDelivery,
  rotateEndpointSecret,
  sendTestEvent,
  setEndpointEnabled,
  type DeliveryListQuery,
  type EndpointInput,
} from "@/lib/webhooks-out/admin";
import { getEntitlement } from "../entitlements";
import { smtpConfigured } from "../notifications";
import { forgetEntitlement } from "../metering/context";
import { getSpendCap } from "../metering/spend-caps";

/** Metrics are recomputed at most once a minute per database: aggregates over every row are not free. */
export const METRICS_TTL_MS = 60_000;
const metricsCache = new WeakMap<Database, { at: number; value: Promise<AdminMetrics & { computedAt: string }> }>();

export async function adminMetrics(): Promise<AdminMetrics & { computedAt: string }> {
  const db = await getDb();
  const cached = metricsCache.get(db);
  if (cached && Date.now() - cached.at < METRICS_TTL_MS) return cached.value;
  const now = new Date();
  const value = computeAdminMetrics(db, now).then((metrics) => ({ ...metrics, computedAt: now.toISOString() }));
  metricsCache.set(db, { at: now.getTime(), value });
  value.catch(() => metricsCache.delete(db));
  return value;
}

export const adminOverview = async () => ({ metrics: await adminMetrics(), definitions: METRIC_DEFINITIONS });
export const adminCustomers = async (query: CustomerListQuery) => listCustomers(await getDb(), query);
export const adminCustomer = async (accountId: string) => {
  const customer = await getAdminCustomer(await getDb(), accountId);
  // The spend cap on billed overage (lib/billing/metering/spend-caps.ts), which admins see and change here.
  return customer && { ...customer, spendCap: await getSpendCap(accountId) };
};
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

export const adminPromotions = () => listPromotions();
export const createAdminPromotion = async (input: PromotionInput, actorUserId: string) =>
  createPromotion(await getDb(), input, actorUserId);
export const deactivateAdminPromotion = async (id: string, actorUserId: string) => deactivatePromotion(await getDb(), id, actorUserId);

/** The revenue alert rules with their state (the Alerts screen and GET /api/billing/admin/alerts). */
export const adminRevenueAlerts = async () => listRevenueAlerts(await getDb());
export const saveRevenueAlertRule = async (input: RevenueAlertInput, actorUserId: string) =>
  updateRevenueAlertRule(await getDb(), input, actorUserId);

export const grantStaffPlan = async (accountId: string, grant: boolean, actorUserId: string) =>
  setStaffPlan(await getDb(), accountId, grant, actorUserId);
export const pullCustomer = async (accountId: string, actorUserId: string) => pullCustomerFromStripe(await getDb(), accountId, actorUserId);
export const replayEvent = async (id: string, actorUserId: string) => replayWebhookEvent(await getDb(), id, actorUserId);

/** Outbound webhooks to the product's own systems (lib/webhooks-out/admin.ts). */
export const adminWebhookEndpoints = async () => ({ endpoints: await listEndpoints(await getDb()) });
export const adminWebhookDeliveries = async (query: DeliveryListQuery) => listDeliveries(await getDb(), query);
/** The Outbound webhooks screen: the endpoints and a page of the delivery log. */
export async function adminOutboundWebhooks(query: DeliveryListQuery) {
  const db = await getDb();
  const [endpoints, log] = await Promise.all([listEndpoints(db), listDeliveries(db, query)]);
  return { endpoints, ...log };
}
export const createWebhookEndpoint = async (input: EndpointInput, actorUserId: string) => createEndpoint(await getDb(), input, actorUserId);
export const enableWebhookEndpoint = async (id: string, enabled: boolean, actorUserId: string) =>
  setEndpointEnabled(await getDb(), id, enabled, actorUserId);
export const rotateWebhookEndpointSecret = async (id: string, actorUserId: string) => rotateEndpointSecret(await getDb(), id, actorUserId);
export const testWebhookEndpoint = async (id: string, actorUserId: string) => sendTestEvent(await getDb(), id, actorUserId);
export const replayWebhookDelivery = async (id: string, actorUserId: string) => replayDelivery(await getDb(), id, actorUserId);

export const retryOutboxNotification = async (id: string, actorUserId: string) => retryNotification(await getDb(), id, actorUserId);

/** Sets a limit override and answers the customer's effective limits afterwards. */
export async function overrideCustomerLimit(accountId: string, input: LimitOverrideInput, actorUserId: string) {
  const db = await getDb();
  await setLimitOverride(db, accountId, input, actorUserId);
  // This process applies it at once; other instances within the entitlement cache's few seconds.
  forgetEntitlement(accountId);
  const entitlement = await getEntitlement(db, accountId);
  return { limits: entitlement.limits, overriddenMeters: entitlement.overriddenMeters };
}
