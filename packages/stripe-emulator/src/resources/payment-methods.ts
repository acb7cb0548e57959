import type Stripe from "stripe";
import type { Router } from "../http/router";
import { emitEvent } from "../events";
import { clone } from "../json";
import { newestFirst, paginate } from "../http/pagination";
import { invalidRequest, parameterMissing } from "../http/errors";
import { attachPaymentMethod, paymentMethodFromCardNumber, resolvePaymentMethod } from "../billing/payment-methods";
import { getCustomer, getPaymentMethod } from "./lookup";

export function registerPaymentMethods(router: Router): void {
  router.post("/v1/payment_methods", ({ emu, params }) => {
    const type = params.requiredStr("type");
    if (type !== "card") throw invalidRequest(`The emulator only supports card payment methods (got '${type}').`, "type");
    const card = params.obj("card");
    if (!card) throw parameterMissing("card");
    const token = card.str("token");
    const billing = params.obj("billing_details");
    const details = { name: billing?.str("name") ?? null, email: billing?.str("email") ?? null };
    const pm: Stripe.PaymentMethod = token
      ? resolvePaymentMethod(emu, token, "card[token]")
      : paymentMethodFromCardNumber(emu, card.requiredStr("number"), {
          ...details,
          expMonth: card.int("exp_month"),
          expYear: card.int("exp_year"),
        });
    pm.metadata = params.applyMetadata(pm.metadata ?? {});
    return pm;
  });

  router.get("/v1/payment_methods/:id", ({ emu, path }) => getPaymentMethod(emu, path.id));

  router.post("/v1/payment_methods/:id", ({ emu, path, params }) => {
    const pm = getPaymentMethod(emu, path.id);
    const before = clone(pm);
    pm.metadata = params.applyMetadata(pm.metadata ?? {});
    emitEvent(emu, "payment_method.updated", pm, before);
    return pm;
  });

  router.post("/v1/payment_methods/:id/attach", ({ emu, path, params }) => {
    const customer = getCustomer(emu, params.requiredStr("customer"), "customer");
    return attachPaymentMethod(emu, path.id, customer.id, "payment_method");
  });

  router.post("/v1/payment_methods/:id/detach", ({ emu, path }) => {
    const pm = getPaymentMethod(emu, path.id);
    if (!pm.customer)
      throw invalidRequest(
        "The payment method you provided is not attached to a customer so detachment is impossible.",
        undefined,
        "payment_method_unexpected_state",
      );
    const before = clone(pm);
    pm.customer = null;
    emitEvent(emu, "payment_method.detached", pm, before);
    return pm;
  });

  router.get("/v1/payment_methods", ({ emu, params }) => {
    const customer = params.str("customer");
    const items = newestFirst(emu.store.paymentMethods.values()).filter((pm) => !customer || pm.customer === customer);
    return paginate(items, params, "/v1/payment_methods", "payment method");
  });
}
