import "server-only";
import { getDb } from "@/db/client";
import type { CustomerTaxId, MembershipRole } from "@/db/schema";
import { canManage } from "@/lib/accounts/access";
import { listApiKeys, type ApiKeyView } from "@/lib/auth/api-keys";
import { findBillingCustomer } from "./customers";
import { listUserInvoices, type InvoiceView } from "./invoices";
import { getUsageOverview, type UsageOverview } from "./metering/overview";
import type { BillingInterval } from "./plans";
import { getSubscriptionDiscounts, type SubscriptionDiscounts } from "./promotions";
import { getBillingSummary, notEndedStripeSubscription, type BillingSummary } from "./summary";
import { needsCard } from "./trial-start";
import { logger } from "@/lib/logger";
import { readAccountCredits, type MeterCredits } from "./credits/ledger";
import { getSpendCap, type SpendCapView } from "./metering/spend-caps";
import { CARD_AWAITED, inGroup, type CardAwaitedStatus } from "./subscription-status";

/** A per-seat plan's seats: the members, what Stripe bills now, and what it bills from the renewal. */
export interface SeatsView {
  members: number;
  quantity: number;
  pendingQuantity: number | null;
}

/** What the billing page shows for one account, read once. */
export interface BillingOverview {
  summary: BillingSummary;
  /** The live Stripe subscription's plan and interval (what a plan change acts on); null without one. */
  live: { planId: string; interval: BillingInterval | null } | null;
  /** Null for plans not priced per seat. */
  seats: SeatsView | null;
  usage: UsageOverview;
  /** The caller manages this account's billing (owner or admin): the controls and the rows below are theirs. */
  canManage: boolean;
  /** A Stripe customer exists (Manage billing opens the portal); false for members. */
  hasBillingAccount: boolean;
  /** Null for members, who see the plan and usage but not the invoices or API keys. */
  invoices: { invoices: InvoiceView[]; nextCursor: string | null } | null;
  /** The customer's tax IDs (VAT, GST, …) as last read from Stripe; empty for members and before any. */
  taxIds: CustomerTaxId[];
  apiKeys: ApiKeyView[] | null;
  /**
   * A trial (or a subscription paused at its end) with no card on file, for those who manage the
   * account: "Add a card to keep <Plan> after <date>". Null otherwise, or when Stripe cannot be asked.
   */
  cardNeeded: { status: CardAwaitedStatus; trialEnd: string | null } | null;
  /** The subscription's active discounts and Stripe's preview of the next invoice (managers, live Stripe subscription only). */
  discounts: SubscriptionDiscounts | null;
  /** Prepaid credits of every meter that sells them: balance, auto top-up, recent history (lib/billing/credits). */
  credits: MeterCredits[];
  /** The monthly cap on billed overage and what is billed so far (owners and admins; null otherwise). */
  spendCap: SpendCapView | null;
}

/** Seats as GET /api/billing/subscription reports them, when the summary carries them. */
function seatsOf(summary: BillingSummary): SeatsView | null {
  const seats = "seats" in summary ? (summary.seats as SeatsView | null | undefined) : null;
  return seats ?? null;
}

/**
 * The billing page for `accountId`, as seen by a member with `role`: plan, status, seats and
 * usage for everyone; the customer, invoices and API keys only for those who manage the account
 * (the API answers 403 to a member asking for them, so they are not read at all). The first
 * `invoicePageSize` invoices are read; the table pages on through the API.
 */
export async function getBillingOverview(
  accountId: string,
  role: MembershipRole,
  options: { invoicePageSize: number },
): Promise<BillingOverview> {
  const manages = canManage(role);
  const db = await getDb();
  const [summary, live, usage, customer, invoices, apiKeys, discounts, credits, spendCap] = await Promise.all([
    getBillingSummary(accountId),
    notEndedStripeSubscription(db, accountId),
    getUsageOverview(accountId),
    manages ? findBillingCustomer(db, accountId) : undefined,
    manages ? listUserInvoices(accountId, { limit: options.invoicePageSize }) : null,
    manages ? listApiKeys(accountId) : null,
    manages ? getSubscriptionDiscounts(accountId) : null,
    readAccountCredits(db, accountId),
    manages ? getSpendCap(accountId) : null,
  ]);
  const cardNeeded =
    manages && live && inGroup(CARD_AWAITED, live.status)
      ? await needsCard(live).then(
          (needed) => (needed ? { status: live.status as CardAwaitedStatus, trialEnd: live.trialEnd?.toISOString() ?? null } : null),
          (error: unknown) => {
            logger.warn({ err: error, accountId }, "could not ask Stripe for the trial's payment method");
            return null;
          },
        )
      : null;
  return {
    summary,
    cardNeeded,
    live: live ? { planId: live.planId, interval: live.interval } : null,
    seats: seatsOf(summary),
    usage,
    canManage: manages,
    hasBillingAccount: Boolean(customer && !customer.deletedAt),
    invoices,
    taxIds: customer && !customer.deletedAt ? customer.taxIds : [],
    apiKeys,
    discounts,
    credits,
    spendCap,
  };
}
