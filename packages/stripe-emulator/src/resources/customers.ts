import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { newId, randomToken } from "../ids";
import { emitEvent } from "../events";
import { clone } from "../json";
import { matchesRange, newestFirst, paginate } from "../http/pagination";
import { getCustomer, getTestClock } from "./lookup";
import { resourceMissing } from "../http/errors";
import { registerIncludable } from "../http/expand";
import { attachPaymentMethod } from "../billing/payment-methods";
import { addTaxId, buildTaxId } from "./tax";

function shippingFrom(p: Params | undefined): Stripe.Customer.Shipping | null {
  if (!p) return null;
  return { address: addressFrom(p.obj("address")) ?? undefined, name: p.requiredStr("name"), phone: p.str("phone") ?? null };
}
import { recordBalanceTransaction } from "../billing/invoices";

function addressFrom(p: Params | undefined): Stripe.Address | null {
  if (!p) return null;
  return {
    city: p.str("city") ?? null,
    country: p.str("country") ?? null,
    line1: p.str("line1") ?? null,
    line2: p.str("line2") ?? null,
    postal_code: p.str("postal_code") ?? null,
    state: p.str("state") ?? null,
  };
}

export function createCustomer(emu: Emulator, params: Params): Stripe.Customer {
  const clockId = params.str("test_clock") ?? null;
  const clock = clockId ? getTestClock(emu, clockId, "test_clock") : null;
  const initialBalance = params.int("balance") ?? 0;
  const customer: Stripe.Customer = {
    id: newId("cus", 14),
    object: "customer",
    address: addressFrom(params.obj("address")),
    balance: 0,
    created: clock ? clock.frozen_time : emu.realNow(),
    currency: null,
    customer_account: null,
    default_source: null,
    delinquent: false,
    description: params.str("description") ?? null,
    discount: null,
    email: params.str("email") ?? null,
    invoice_prefix: randomToken(8).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: params.applyMetadata({}),
    name: params.str("name") ?? null,
    next_invoice_sequence: 1,
    phone: params.str("phone") ?? null,
    preferred_locales: params.strArray("preferred_locales") ?? [],
    shipping: shippingFrom(params.obj("shipping")),
    tax_exempt: "none",
    test_clock: clock ? clock.id : null,
  };
  // tax_id_data: every ID is checked before the customer exists, so a malformed one creates nothing.
  const taxIds = (params.objArray("tax_id_data") ?? []).map((d, i) =>
    buildTaxId(emu, customer, d.requiredStr("type"), d.requiredStr("value"), `tax_id_data[${i}][value]`),
  );
  emu.store.customers.set(customer.id, customer);
  if (initialBalance !== 0) recordBalanceTransaction(emu, customer, { amount: initialBalance, type: "initial" });
  emitEvent(emu, "customer.created", customer);
  for (const taxId of taxIds) addTaxId(emu, customer, taxId);
  const pm = params.str("payment_method");
  if (pm) attachPaymentMethod(emu, pm, customer.id, "payment_method");
  const defaultPm = params.obj("invoice_settings")?.str("default_payment_method");
  if (defaultPm) {
    const before = clone(customer);
    customer.invoice_settings.default_payment_method = defaultPm;
    emitEvent(emu, "customer.updated", customer, before);
  }
  return customer;
}

function updateCustomer(emu: Emulator, customer: Stripe.Customer, params: Params): Stripe.Customer {
  const before = clone(customer);
  for (const key of ["email", "name", "description", "phone"] as const) {
    const value = params.nullableStr(key);
    if (value !== undefined) customer[key] = value;
  }
  if (params.has("address")) customer.address = addressFrom(params.obj("address"));
  if (params.has("shipping")) customer.shipping = shippingFrom(params.obj("shipping"));
  const balance = params.int("balance");
  // Setting the balance directly is recorded in the customer's balance ledger as an adjustment (as Stripe does).
  if (balance !== undefined && balance !== customer.balance)
    recordBalanceTransaction(emu, customer, { amount: balance - customer.balance, type: "adjustment" });
  customer.metadata = params.applyMetadata(customer.metadata);
  const invoiceSettings = params.obj("invoice_settings");
  if (invoiceSettings) {
    const pm = invoiceSettings.nullableStr("default_payment_method");
    if (pm) {
      const existing = emu.store.paymentMethods.get(pm);
      if (!existing || existing.customer !== customer.id) {
        throw resourceMissing("PaymentMethod", pm, "invoice_settings[default_payment_method]");
      }
    }
    if (pm !== undefined) customer.invoice_settings.default_payment_method = pm;
  }
  emitEvent(emu, "customer.updated", customer, before);
  return customer;
}

export function registerCustomers(router: Router): void {
  // Includable: the customer's subscriptions (Stripe lists those not canceled).
  registerIncludable("customer", "subscriptions", (emu, owner) => ({
    object: "list",
    data: newestFirst(emu.store.subscriptions.values()).filter(
      (s) => s.customer === owner.id && s.status !== "canceled" && s.status !== "incomplete_expired",
    ),
    has_more: false,
    url: `/v1/customers/${String(owner.id)}/subscriptions`,
  }));
  router.post("/v1/customers", ({ emu, params }) => createCustomer(emu, params));

  router.get("/v1/customers", ({ emu, params }) => {
    const email = params.str("email");
    const clock = params.str("test_clock");
    const items = newestFirst(emu.store.customers.values()).filter(
      (c) =>
        (email === undefined || c.email === email) &&
        (clock === undefined || c.test_clock === clock) &&
        matchesRange(c.created, params, "created"),
    );
    return paginate(items, params, "/v1/customers", "customer");
  });

  router.get("/v1/customers/:id", ({ emu, path }) => {
    if (emu.store.deletedCustomers.has(path.id)) {
      const deleted: Stripe.DeletedCustomer = { id: path.id, object: "customer", deleted: true };
      return deleted;
    }
    return getCustomer(emu, path.id);
  });

  router.post("/v1/customers/:id", ({ emu, params, path }) => updateCustomer(emu, getCustomer(emu, path.id), params));

  router.delete("/v1/customers/:id", ({ emu, path }) => {
    const customer = getCustomer(emu, path.id);
    emu.store.customers.delete(customer.id);
    emu.store.deletedCustomers.add(customer.id);
    emitEvent(emu, "customer.deleted", customer);
    const deleted: Stripe.DeletedCustomer = { id: customer.id, object: "customer", deleted: true };
    return deleted;
  });

  router.get("/v1/customers/:id/payment_methods", ({ emu, params, path }) => {
    const customer = getCustomer(emu, path.id);
    const items = newestFirst(emu.store.paymentMethods.values()).filter((pm) => pm.customer === customer.id);
    return paginate(items, params, `/v1/customers/${customer.id}/payment_methods`, "payment method");
  });
}
