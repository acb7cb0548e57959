export const API_VERSION = '2026-10-28.endive';
export const DEFAULT_WEBHOOK_SECRET = 'whsec_emulator_dev_secret';
export const DEFAULT_PORT = 12111;
export const DEFAULT_WEBHOOK_URL = 'http://127.0.0.1:3000/api/billing/webhook';

export const DAY = 86_400;
/** Stripe sends customer.subscription.trial_will_end three days before trial_end. */
export const TRIAL_WILL_END_LEAD = 3 * DAY;
/** Renewal invoices stay draft for about an hour before Stripe finalizes and charges them. */
export const DRAFT_FINALIZE_DELAY = 3600;
/**
 * Smart Retries stand-in: offsets (from the first failure) of the retries. After the last one fails the subscription
 * is canceled, matching the "cancel subscription" dunning setting.
 */
export const PAYMENT_RETRY_OFFSETS = [3 * DAY, 5 * DAY, 7 * DAY];
export const CHECKOUT_SESSION_LIFETIME = DAY;
export const PORTAL_SESSION_LIFETIME = 5 * 60;
export const METER_IDENTIFIER_WINDOW = DAY;
