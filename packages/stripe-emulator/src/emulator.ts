import { AsyncLocalStorage } from "node:async_hooks";
import type Stripe from "stripe";
import { Store } from "./store";
import { DEFAULT_BUSINESS_NAME, DEFAULT_FAILED_PAYMENTS, DEFAULT_WEBHOOK_SECRET, type FailedPaymentSettings } from "./config";
import type { WebhookDelivery } from "./webhooks/delivery";
import { API_VERSION } from "./config";
import { isApiVersion, unknownVersionError, type ApiVersion } from "./versions/versions";

export interface ChaosSettings {
  outOfOrder: boolean;
  duplicate: boolean;
  concurrent: boolean;
}

export interface EmulatorSettings {
  webhookUrl: string | null;
  webhookSecret: string;
  chaos: ChaosSettings;
  deliveryPaused: boolean;
  testMode: boolean;
  failedPayments: FailedPaymentSettings;
  /** Added before every `/v1` API response: a slow (or, with a large value, hung) Stripe. */
  latencyMs: number;
  /** When set, failed deliveries are retried after retryBaseMs × 2^(attempt−1) instead of the default schedule. */
  retryBaseMs: number | null;
  /** The account's business name (Dashboard → Settings → Public details): hosted pages and invoices show it. */
  businessName: string;
  /** The API version events are rendered in for the default webhook endpoint (`webhookUrl`). */
  webhookApiVersion: ApiVersion;
}

export interface RequestInfo {
  id: string | null;
  idempotencyKey: string | null;
}

export interface EmulatorOptions {
  webhookUrl?: string | null;
  webhookSecret?: string;
  clock?: () => number;
  stateFile?: string;
  testMode?: boolean;
  /** The account's business name; defaults to DEFAULT_BUSINESS_NAME. */
  businessName?: string;
  /** The default webhook endpoint's API version (events it receives are rendered in it); defaults to the pinned one. */
  webhookApiVersion?: string;
}

/**
 * The shared context every handler works with: state, settings, time and the ambient API request (so events can
 * carry `request.id` / `request.idempotency_key`).
 */
export class Emulator {
  store: Store;
  settings: EmulatorSettings;
  baseUrl = "";
  delivery!: WebhookDelivery;
  private readonly requestContext = new AsyncLocalStorage<RequestInfo>();
  private readonly clock: () => number;
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(readonly options: EmulatorOptions) {
    this.clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.store = options.stateFile ? Store.load(options.stateFile) : new Store();
    this.settings = Emulator.defaultSettings(options);
  }

  static defaultSettings(options: EmulatorOptions): EmulatorSettings {
    return {
      webhookUrl: options.webhookUrl ?? null,
      webhookSecret: options.webhookSecret ?? DEFAULT_WEBHOOK_SECRET,
      chaos: { outOfOrder: false, duplicate: false, concurrent: false },
      deliveryPaused: false,
      testMode: options.testMode ?? false,
      failedPayments: { ...DEFAULT_FAILED_PAYMENTS, retryDays: [...DEFAULT_FAILED_PAYMENTS.retryDays] },
      latencyMs: 0,
      retryBaseMs: null,
      businessName: options.businessName?.trim() || DEFAULT_BUSINESS_NAME,
      webhookApiVersion: Emulator.webhookApiVersion(options.webhookApiVersion),
    };
  }

  static webhookApiVersion(value: string | undefined): ApiVersion {
    if (value === undefined || value === "") return API_VERSION;
    if (!isApiVersion(value)) throw new Error(`webhookApiVersion: ${unknownVersionError(value).message}`);
    return value;
  }

  /** "Now" outside test clocks (the injected clock, or real time). */
  realNow(): number {
    return Math.floor(this.clock());
  }

  testClockOfCustomer(customerId: string | null | undefined): Stripe.TestHelpers.TestClock | null {
    if (!customerId) return null;
    const customer = this.store.customers.get(customerId);
    const clockId = typeof customer?.test_clock === "string" ? customer.test_clock : null;
    return clockId ? (this.store.testClocks.get(clockId) ?? null) : null;
  }

  /** Current time as seen by a customer's objects: its test clock's frozen time, else real time. */
  nowFor(customerId: string | null | undefined): number {
    return this.testClockOfCustomer(customerId)?.frozen_time ?? this.realNow();
  }

  nowForClock(clockId: string | null): number {
    if (!clockId) return this.realNow();
    return this.store.testClocks.get(clockId)?.frozen_time ?? this.realNow();
  }

  currentRequest(): RequestInfo {
    return this.requestContext.getStore() ?? { id: null, idempotencyKey: null };
  }

  withRequest<T>(info: RequestInfo, fn: () => T): T {
    return this.requestContext.run(info, fn);
  }

  /** Work triggered by time (renewals, retries) is not attributed to the API request that advanced the clock. */
  withoutRequest<T>(fn: () => T): T {
    return this.requestContext.run({ id: null, idempotencyKey: null }, fn);
  }

  reset(): void {
    this.store = new Store();
    this.settings = Emulator.defaultSettings(this.options);
    this.delivery.reset();
    this.scheduleSave();
  }

  scheduleSave(): void {
    const file = this.options.stateFile;
    if (!file || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.trySave(file);
    }, 200);
  }

  saveNow(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (this.options.stateFile) this.trySave(this.options.stateFile);
  }

  /** A failed save never stops the emulator: it keeps serving from memory and the next change saves again. */
  private trySave(file: string): void {
    try {
      this.store.save(file);
    } catch (err) {
      console.warn(
        `[stripe-emulator] could not save its state to ${file} (${(err as Error).message}); it keeps running and retries on the next change`,
      );
    }
  }

  resourceUrl(path: string): string {
    return `${this.baseUrl}${path}`;
  }
}
