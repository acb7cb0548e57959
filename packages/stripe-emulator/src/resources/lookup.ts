import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { resourceMissing } from "../http/errors";

function need<T>(value: T | undefined, kind: string, id: string, param: string): T {
  if (value === undefined) throw resourceMissing(kind, id, param);
  return value;
}

export const getCustomer = (emu: Emulator, id: string, param = "id"): Stripe.Customer =>
  need(emu.store.customers.get(id), "customer", id, param);
export const getProduct = (emu: Emulator, id: string, param = "id"): Stripe.Product =>
  need(emu.store.products.get(id), "product", id, param);
export const getPrice = (emu: Emulator, id: string, param = "id"): Stripe.Price => need(emu.store.prices.get(id), "price", id, param);
export const getSubscription = (emu: Emulator, id: string, param = "id"): Stripe.Subscription =>
  need(emu.store.subscriptions.get(id), "subscription", id, param);
export const getInvoice = (emu: Emulator, id: string, param = "id"): Stripe.Invoice =>
  need(emu.store.invoices.get(id), "invoice", id, param);
export const getPaymentMethod = (emu: Emulator, id: string, param = "id"): Stripe.PaymentMethod =>
  need(emu.store.paymentMethods.get(id), "PaymentMethod", id, param);
export const getSchedule = (emu: Emulator, id: string, param = "id"): Stripe.SubscriptionSchedule =>
  need(emu.store.subscriptionSchedules.get(id), "subscription schedule", id, param);
export const getTestClock = (emu: Emulator, id: string, param = "id"): Stripe.TestHelpers.TestClock =>
  need(emu.store.testClocks.get(id), "test clock", id, param);

export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : value.id;
}
