import type Stripe from "stripe";
import type { Emulator } from "../emulator";
import { newId, randomToken } from "../ids";
import { emitEvent } from "../events";

/**
 * The SetupIntent that saves a card for later off-session charges when nothing is due now: a subscription Checkout
 * whose first invoice is free (a trial) and a `mode: 'setup'` Checkout. Stripe sends `setup_intent.created` when the
 * page collects the card and `setup_intent.succeeded` once the card is attached to the customer.
 */
export function startSetupIntent(emu: Emulator, customerId: string): Stripe.SetupIntent {
  return createSetupIntent(emu, { customer: customerId });
}

/** A SetupIntent with Stripe's defaults (`fields` overrides them), stored, with `setup_intent.created`. */
export function createSetupIntent(emu: Emulator, fields: Partial<Stripe.SetupIntent>): Stripe.SetupIntent {
  const id = newId("seti");
  const customerId = typeof fields.customer === "string" ? fields.customer : null;
  const intent: Stripe.SetupIntent = {
    id,
    object: "setup_intent",
    allowed_payment_method_types: null,
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomToken(25)}`,
    created: emu.nowFor(customerId),
    customer: customerId,
    description: null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: "automatic" } },
    payment_method_types: ["card"],
    single_use_mandate: null,
    status: "requires_payment_method",
    usage: "off_session",
    ...fields,
  };
  emu.store.setupIntents.set(id, intent);
  emitEvent(emu, "setup_intent.created", intent);
  return intent;
}

/** The card the customer typed is attached: the intent succeeds with it. */
export function succeedSetupIntent(emu: Emulator, intent: Stripe.SetupIntent, paymentMethodId: string): Stripe.SetupIntent {
  intent.payment_method = paymentMethodId;
  intent.status = "succeeded";
  emitEvent(emu, "setup_intent.succeeded", intent);
  return intent;
}
