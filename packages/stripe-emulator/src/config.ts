export const API_VERSION = "2026-10-28.endive";
export const DEFAULT_WEBHOOK_SECRET = "whsec_emulator_dev_secret";
export const DEFAULT_PORT = 12111;
export const DEFAULT_WEBHOOK_URL = "http://127.0.0.1:3000/api/billing/webhook";
/** The account's business name when none is configured: the starter app's own name (its page title). */
export const DEFAULT_BUSINESS_NAME = "Acme SaaS";

export const DAY = 86_400;
/** Stripe sends customer.subscription.trial_will_end three days before trial_end. */
export const TRIAL_WILL_END_LEAD = 3 * DAY;
/** Renewal invoices stay draft for about an hour before Stripe finalizes and charges them. */
export const DRAFT_FINALIZE_DELAY = 3600;
/** The account's "manage failed payments" settings (Dashboard → Billing → Revenue recovery). */
export interface FailedPaymentSettings {
  /** Days after the first failed attempt at which the invoice is charged again. */
  retryDays: number[];
  /** The subscription once every retry failed: canceled, `unpaid`, or left `past_due`. */
  subscriptionStatus: "cancel" | "unpaid" | "past_due";
  /** The invoice once every retry failed: left `open`, or marked `uncollectible`. */
  invoiceStatus: "open" | "uncollectible";
}

/**
 * Stripe's recommended defaults: Smart Retries make 8 attempts within 2 weeks (the first plus 7 retries, spread here
 * over the fortnight), then the subscription is canceled and the invoice left open (past due).
 */
export const DEFAULT_FAILED_PAYMENTS: FailedPaymentSettings = {
  retryDays: [1, 3, 5, 7, 9, 11, 14],
  subscriptionStatus: "cancel",
  invoiceStatus: "open",
};
/** invoice.upcoming is sent this long before a renewal (the account's "upcoming renewal events" setting). */
export const UPCOMING_INVOICE_LEAD = 3 * DAY;
export const CHECKOUT_SESSION_LIFETIME = DAY;
export const PORTAL_SESSION_LIFETIME = 5 * 60;
export const METER_IDENTIFIER_WINDOW = DAY;
