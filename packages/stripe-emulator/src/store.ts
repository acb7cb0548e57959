import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import type Stripe from "stripe";
import { parseJson } from "./json";
import { ID_PREFIXES } from "./ids";
import type { CheckoutDetails, CheckoutTaxSettings } from "./billing/checkout-tax";

/** A meter event as recorded for aggregation (Stripe keeps the raw events; summaries are computed). */
export interface RecordedMeterEvent {
  event: Stripe.Billing.MeterEvent;
  meterId: string;
  customer: string;
  value: number;
  /** Real-time second at which the identifier was first seen (dedupe window is 24 h). */
  receivedAt: number;
}

export interface StoredIdempotentResponse {
  key: string;
  fingerprint: string;
  status: number;
  body: string;
  createdAt: number;
}

/** Per-subscription bookkeeping that is not part of the public object. */
export interface SubscriptionInternals {
  /** trial_end for which customer.subscription.trial_will_end has been sent. */
  trialWillEndSentFor: number | null;
  /** Renewal time for which invoice.upcoming has been sent. */
  upcomingSentFor?: number | null;
}

export interface CheckoutInternals {
  lineItems: Stripe.LineItem[];
  trialPeriodDays: number | null;
  trialEnd: number | null;
  subscriptionMetadata: Record<string, string>;
  subscriptionDescription: string | null;
  /** Set while the hosted page waits for the 3-D Secure step. */
  pendingAuthenticationCard: string | null;
  /** The hosted page's last refused attempt, shown once by the page it redirects to (post/redirect/get). */
  /** The hosted page's last refused promotion code and why (shown once beside the code field). */
  lastPromotionCode?: { code: string; error: string } | null;
  /** `subscription_data[billing_mode][type]` (unset: the API default, flexible). */
  billingMode?: Stripe.Subscription.BillingMode.Type | null;
  lastAttempt?: { error: string; email?: string; name?: string; details?: CheckoutDetails } | null;
}

/**
 * All emulator state. Maps keep insertion order, which is creation order, so lists can walk them newest first.
 * Objects are stored in their public Stripe shape; events snapshot them with a deep copy.
 */
export class Store {
  customers = new Map<string, Stripe.Customer>();
  deletedCustomers = new Set<string>();
  products = new Map<string, Stripe.Product>();
  deletedProducts = new Set<string>();
  prices = new Map<string, Stripe.Price>();
  paymentMethods = new Map<string, Stripe.PaymentMethod>();
  /** pm id → the test card number it stands for (drives payment outcomes). */
  paymentMethodCards = new Map<string, string>();
  subscriptions = new Map<string, Stripe.Subscription>();
  subscriptionInternals = new Map<string, SubscriptionInternals>();
  subscriptionSchedules = new Map<string, Stripe.SubscriptionSchedule>();
  invoices = new Map<string, Stripe.Invoice>();
  invoiceItems = new Map<string, Stripe.InvoiceItem>();
  invoicePayments = new Map<string, Stripe.InvoicePayment>();
  paymentIntents = new Map<string, Stripe.PaymentIntent>();
  charges = new Map<string, Stripe.Charge>();
  setupIntents = new Map<string, Stripe.SetupIntent>();
  /** invoice id → the PaymentIntent collecting it. */
  invoicePaymentIntents = new Map<string, string>();
  /** schedule id → the end date for which subscription_schedule.expiring has been sent. */
  scheduleExpiringSentFor = new Map<string, number>();
  checkoutSessions = new Map<string, Stripe.Checkout.Session>();
  checkoutInternals = new Map<string, CheckoutInternals>();
  portalConfigurations = new Map<string, Stripe.BillingPortal.Configuration>();
  portalSessions = new Map<string, Stripe.BillingPortal.Session>();
  events = new Map<string, Stripe.Event>();
  webhookEndpoints = new Map<string, Stripe.WebhookEndpoint>();
  testClocks = new Map<string, Stripe.TestHelpers.TestClock>();
  meters = new Map<string, Stripe.Billing.Meter>();
  meterEvents: RecordedMeterEvent[] = [];
  idempotency = new Map<string, StoredIdempotentResponse>();
  taxRates = new Map<string, Stripe.TaxRate>();
  taxIds = new Map<string, Stripe.TaxId>();
  shippingRates = new Map<string, Stripe.ShippingRate>();
  /** price id → its `currency_options` (an includable field: only returned with expand). */
  priceCurrencyOptions = new Map<string, Record<string, Stripe.Price.CurrencyOptions>>();
  /** checkout session id → its `customer_update` and line items' `tax_rates`. */
  checkoutTaxSettings = new Map<string, CheckoutTaxSettings>();
  invoiceSequence = 0;
  coupons = new Map<string, Stripe.Coupon>();
  /** Deleted coupons: gone from the API, still behind the discounts redeemed from them. */
  deletedCoupons = new Map<string, Stripe.Coupon>();
  promotionCodes = new Map<string, Stripe.PromotionCode>();
  discounts = new Map<string, Stripe.Discount>();
  /** Discounts taken off their subscription (spent, lapsed or deleted); invoices still reference them. */
  discountsEnded = new Set<string>();
  creditNotes = new Map<string, Stripe.CreditNote>();
  customerBalanceTransactions = new Map<string, Stripe.CustomerBalanceTransaction>();
  refunds = new Map<string, Stripe.Refund>();
  /** Draft invoice id → its `days_until_due` (the due date is counted from finalization). */
  invoiceDaysUntilDue = new Map<string, number>();

  /** Look an object up by id using its prefix; used by `expand[]`. */
  findById(id: string): object | undefined {
    for (const [prefix, collection] of ID_PREFIXES) {
      if (!id.startsWith(prefix)) continue;
      switch (collection) {
        case "subscriptionItems":
          for (const sub of this.subscriptions.values()) {
            const item = sub.items.data.find((i) => i.id === id);
            if (item) return item;
          }
          return undefined;
        default:
          return this[collection].get(id);
      }
    }
    // Coupon ids are chosen freely (no prefix).
    return this.coupons.get(id) ?? this.deletedCoupons.get(id);
  }

  toJSON(): Record<string, unknown> {
    return {
      version: 1,
      customers: [...this.customers.values()],
      deletedCustomers: [...this.deletedCustomers],
      products: [...this.products.values()],
      deletedProducts: [...this.deletedProducts],
      prices: [...this.prices.values()],
      paymentMethods: [...this.paymentMethods.values()],
      paymentMethodCards: [...this.paymentMethodCards.entries()],
      subscriptions: [...this.subscriptions.values()],
      subscriptionInternals: [...this.subscriptionInternals.entries()],
      subscriptionSchedules: [...this.subscriptionSchedules.values()],
      invoices: [...this.invoices.values()],
      invoiceItems: [...this.invoiceItems.values()],
      invoicePayments: [...this.invoicePayments.values()],
      paymentIntents: [...this.paymentIntents.values()],
      charges: [...this.charges.values()],
      setupIntents: [...this.setupIntents.values()],
      invoicePaymentIntents: [...this.invoicePaymentIntents.entries()],
      scheduleExpiringSentFor: [...this.scheduleExpiringSentFor.entries()],
      checkoutSessions: [...this.checkoutSessions.values()],
      checkoutInternals: [...this.checkoutInternals.entries()],
      portalConfigurations: [...this.portalConfigurations.values()],
      portalSessions: [...this.portalSessions.values()],
      events: [...this.events.values()],
      webhookEndpoints: [...this.webhookEndpoints.values()],
      testClocks: [...this.testClocks.values()],
      meters: [...this.meters.values()],
      meterEvents: this.meterEvents,
      idempotency: [...this.idempotency.values()],
      invoiceSequence: this.invoiceSequence,
      coupons: [...this.coupons.values()],
      deletedCoupons: [...this.deletedCoupons.values()],
      promotionCodes: [...this.promotionCodes.values()],
      discounts: [...this.discounts.values()],
      discountsEnded: [...this.discountsEnded],
      taxRates: [...this.taxRates.values()],
      taxIds: [...this.taxIds.values()],
      shippingRates: [...this.shippingRates.values()],
      priceCurrencyOptions: [...this.priceCurrencyOptions.entries()],
      checkoutTaxSettings: [...this.checkoutTaxSettings.entries()],
      creditNotes: [...this.creditNotes.values()],
      customerBalanceTransactions: [...this.customerBalanceTransactions.values()],
      refunds: [...this.refunds.values()],
      invoiceDaysUntilDue: [...this.invoiceDaysUntilDue.entries()],
    };
  }

  /** Persisted state written by `toJSON` (trusted: only this process writes it). */
  static fromJSON(data: PersistedState): Store {
    const store = new Store();
    const byId = <T extends { id: string }>(list: T[] | undefined): Map<string, T> => new Map((list ?? []).map((o) => [o.id, o]));
    store.customers = byId(data.customers);
    store.deletedCustomers = new Set(data.deletedCustomers ?? []);
    store.products = byId(data.products);
    store.deletedProducts = new Set(data.deletedProducts ?? []);
    store.prices = byId(data.prices);
    store.paymentMethods = byId(data.paymentMethods);
    store.paymentMethodCards = new Map(data.paymentMethodCards ?? []);
    store.subscriptions = byId(data.subscriptions);
    store.subscriptionInternals = new Map(data.subscriptionInternals ?? []);
    store.subscriptionSchedules = byId(data.subscriptionSchedules);
    store.invoices = byId(data.invoices);
    store.invoiceItems = byId(data.invoiceItems);
    store.invoicePayments = byId(data.invoicePayments);
    store.paymentIntents = byId(data.paymentIntents);
    store.charges = byId(data.charges);
    store.setupIntents = byId(data.setupIntents);
    store.invoicePaymentIntents = new Map(data.invoicePaymentIntents ?? []);
    store.scheduleExpiringSentFor = new Map(data.scheduleExpiringSentFor ?? []);
    store.checkoutSessions = byId(data.checkoutSessions);
    store.checkoutInternals = new Map(data.checkoutInternals ?? []);
    store.portalConfigurations = byId(data.portalConfigurations);
    store.portalSessions = byId(data.portalSessions);
    store.events = byId(data.events);
    store.webhookEndpoints = byId(data.webhookEndpoints);
    store.testClocks = byId(data.testClocks);
    store.meters = byId(data.meters);
    store.meterEvents = data.meterEvents ?? [];
    store.idempotency = new Map((data.idempotency ?? []).map((r) => [r.key, r]));
    store.invoiceSequence = data.invoiceSequence ?? 0;
    store.coupons = byId(data.coupons);
    store.deletedCoupons = byId(data.deletedCoupons);
    store.promotionCodes = byId(data.promotionCodes);
    store.discounts = byId(data.discounts);
    store.discountsEnded = new Set(data.discountsEnded ?? []);
    store.taxRates = byId(data.taxRates);
    store.taxIds = byId(data.taxIds);
    store.shippingRates = byId(data.shippingRates);
    store.priceCurrencyOptions = new Map(data.priceCurrencyOptions ?? []);
    store.checkoutTaxSettings = new Map(data.checkoutTaxSettings ?? []);
    store.creditNotes = byId(data.creditNotes);
    store.customerBalanceTransactions = byId(data.customerBalanceTransactions);
    store.refunds = byId(data.refunds);
    store.invoiceDaysUntilDue = new Map(data.invoiceDaysUntilDue ?? []);
    return store;
  }

  static load(file: string): Store {
    if (!existsSync(file)) return new Store();
    // The file is this emulator's own output (see toJSON); its shape is PersistedState.
    return Store.fromJSON(parseJson(readFileSync(file, "utf8")) as PersistedState);
  }

  /**
   * Writes the state atomically: into a temporary file next to `file` (creating the directory first), flushed to
   * disk, then renamed over it, so a crash mid-save leaves the previous state intact.
   */
  save(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      const fd = openSync(tmp, "w");
      try {
        writeSync(fd, JSON.stringify(this.toJSON()));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }
}

export interface PersistedState {
  customers?: Stripe.Customer[];
  deletedCustomers?: string[];
  products?: Stripe.Product[];
  deletedProducts?: string[];
  prices?: Stripe.Price[];
  paymentMethods?: Stripe.PaymentMethod[];
  paymentMethodCards?: Array<[string, string]>;
  subscriptions?: Stripe.Subscription[];
  subscriptionInternals?: Array<[string, SubscriptionInternals]>;
  subscriptionSchedules?: Stripe.SubscriptionSchedule[];
  invoices?: Stripe.Invoice[];
  invoiceItems?: Stripe.InvoiceItem[];
  invoicePayments?: Stripe.InvoicePayment[];
  paymentIntents?: Stripe.PaymentIntent[];
  charges?: Stripe.Charge[];
  setupIntents?: Stripe.SetupIntent[];
  invoicePaymentIntents?: Array<[string, string]>;
  scheduleExpiringSentFor?: Array<[string, number]>;
  checkoutSessions?: Stripe.Checkout.Session[];
  checkoutInternals?: Array<[string, CheckoutInternals]>;
  portalConfigurations?: Stripe.BillingPortal.Configuration[];
  portalSessions?: Stripe.BillingPortal.Session[];
  events?: Stripe.Event[];
  webhookEndpoints?: Stripe.WebhookEndpoint[];
  testClocks?: Stripe.TestHelpers.TestClock[];
  meters?: Stripe.Billing.Meter[];
  meterEvents?: RecordedMeterEvent[];
  idempotency?: StoredIdempotentResponse[];
  invoiceSequence?: number;
  coupons?: Stripe.Coupon[];
  deletedCoupons?: Stripe.Coupon[];
  promotionCodes?: Stripe.PromotionCode[];
  discounts?: Stripe.Discount[];
  discountsEnded?: string[];
  taxRates?: Stripe.TaxRate[];
  taxIds?: Stripe.TaxId[];
  shippingRates?: Stripe.ShippingRate[];
  priceCurrencyOptions?: Array<[string, Record<string, Stripe.Price.CurrencyOptions>]>;
  checkoutTaxSettings?: Array<[string, CheckoutTaxSettings]>;
  creditNotes?: Stripe.CreditNote[];
  customerBalanceTransactions?: Stripe.CustomerBalanceTransaction[];
  refunds?: Stripe.Refund[];
  invoiceDaysUntilDue?: Array<[string, number]>;
}
