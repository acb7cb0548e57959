import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { newId } from "../ids";
import { emitEvent } from "../events";
import { cardError, invalidRequest, resourceMissing } from "../http/errors";
import { INCORRECT_NUMBER, findCard, resolveTestCard, type TestCard } from "./cards";

export interface CardDetails {
  number: string;
  expMonth?: number;
  expYear?: number;
  name?: string | null;
  email?: string | null;
}

export function buildCardPaymentMethod(emu: Emulator, card: TestCard, details: Partial<CardDetails> = {}): Stripe.PaymentMethod {
  const now = emu.realNow();
  const pm: Stripe.PaymentMethod = {
    id: newId("pm"),
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: details.email ?? null,
      name: details.name ?? null,
      phone: null,
      tax_id: null,
    },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: card.country,
      display_brand: card.brand,
      exp_month: details.expMonth ?? 12,
      exp_year: details.expYear ?? new Date(now * 1000).getUTCFullYear() + 3,
      fingerprint: card.number.slice(-8),
      funding: card.funding,
      generated_from: null,
      last4: card.number.slice(-4),
      networks: { available: [card.brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: now,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: "card",
  };
  emu.store.paymentMethods.set(pm.id, pm);
  emu.store.paymentMethodCards.set(pm.id, card.number);
  return pm;
}

/** The test card behind a payment method (pm ids created here, or `pm_card_*` tokens). */
export function cardOfPaymentMethod(emu: Emulator, pmId: string): TestCard | undefined {
  const number = emu.store.paymentMethodCards.get(pmId);
  if (number) return findCard(number) ?? resolveTestCard(number);
  return resolveTestCard(pmId);
}

/**
 * Resolve a payment method reference: an existing `pm_...`, or a test token such as `pm_card_visa`, which (as in
 * Stripe) creates a fresh PaymentMethod each time it is used.
 */
export function resolvePaymentMethod(emu: Emulator, ref: string, param: string): Stripe.PaymentMethod {
  const existing = emu.store.paymentMethods.get(ref);
  if (existing) return existing;
  const card = ref.startsWith("pm_card_") || ref.startsWith("tok_") ? resolveTestCard(ref) : undefined;
  if (!card) throw resourceMissing("PaymentMethod", ref, param);
  return buildCardPaymentMethod(emu, card);
}

/** What attaching `ref` to the customer would refuse (an unknown method, a declining card, another customer's). */
export function checkAttachable(emu: Emulator, ref: string, customerId: string, param = "payment_method"): void {
  const existing = emu.store.paymentMethods.get(ref);
  const card = existing
    ? cardOfPaymentMethod(emu, existing.id)
    : ref.startsWith("pm_card_") || ref.startsWith("tok_")
      ? resolveTestCard(ref)
      : undefined;
  if (!existing && !card) throw resourceMissing("PaymentMethod", ref, param);
  if (card?.behaviour === "decline" && card.decline) throw cardError(card.decline);
  if (existing?.customer && existing.customer !== customerId) {
    throw invalidRequest(
      "The payment method you provided has already been attached to a customer.",
      param,
      "payment_method_unexpected_state",
    );
  }
}

/** Attach to a customer. Cards that always decline are refused here, like Stripe's attach-time check. */
export function attachPaymentMethod(emu: Emulator, ref: string, customerId: string, param = "payment_method"): Stripe.PaymentMethod {
  checkAttachable(emu, ref, customerId, param);
  const pm = resolvePaymentMethod(emu, ref, param);
  if (pm.customer === customerId) return pm;
  pm.customer = customerId;
  emitEvent(emu, "payment_method.attached", pm);
  return pm;
}

export function paymentMethodFromCardNumber(emu: Emulator, number: string, details: Partial<CardDetails> = {}): Stripe.PaymentMethod {
  const card = resolveTestCard(number);
  if (!card) throw cardError(INCORRECT_NUMBER);
  return buildCardPaymentMethod(emu, card, details);
}
