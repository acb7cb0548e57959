import type { Router } from '../http/router';
import { invalidRequest, cardError, resourceMissing } from '../http/errors';
import { attachPaymentMethod } from '../billing/payment-methods';
import { attemptInvoicePayment, paymentMethodFor } from '../billing/invoices';
import { invoiceOfPaymentIntent } from '../billing/payment-intents';
import { applyPaymentOutcome } from '../billing/subscriptions';

/**
 * PaymentIntents exist for invoices (their `confirmation_secret`); SetupIntents for Checkouts with nothing due now. Confirming one pays its invoice — what Stripe.js
 * does with the Payment Element after `payment_behavior: 'default_incomplete'`.
 */
export function registerPaymentIntents(router: Router): void {
  router.get('/v1/payment_intents/:id', ({ emu, path }) => {
    const intent = emu.store.paymentIntents.get(path.id);
    if (!intent) throw resourceMissing('payment_intent', path.id);
    return intent;
  });

  router.get('/v1/setup_intents/:id', ({ emu, path }) => {
    const intent = emu.store.setupIntents.get(path.id);
    if (!intent) throw resourceMissing('setup_intent', path.id);
    return intent;
  });

  router.get('/v1/charges/:id', ({ emu, path }) => {
    const charge = emu.store.charges.get(path.id);
    if (!charge) throw resourceMissing('charge', path.id);
    return charge;
  });

  router.post('/v1/payment_intents/:id/confirm', ({ emu, path, params }) => {
    const intent = emu.store.paymentIntents.get(path.id);
    if (!intent) throw resourceMissing('payment_intent', path.id);
    if (intent.status === 'succeeded' || intent.status === 'canceled') {
      throw invalidRequest(
        `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.`,
        undefined,
        'payment_intent_unexpected_state',
      );
    }
    const invoice = invoiceOfPaymentIntent(emu, intent.id);
    if (!invoice) throw resourceMissing('payment_intent', path.id);
    const pmRef = params.str('payment_method');
    const pm = pmRef ? attachPaymentMethod(emu, pmRef, String(invoice.customer), 'payment_method').id : paymentMethodFor(emu, invoice);
    if (!pm) {
      throw invalidRequest(
        'You cannot confirm this PaymentIntent because it\'s missing a payment method. To confirm the PaymentIntent with cus_ default payment method, pass payment_method.'.replace('cus_', String(invoice.customer)),
        'payment_method',
        'payment_intent_unexpected_state',
      );
    }
    // The customer is present (Stripe.js): 3-D Secure is shown to them, so the intent waits in requires_action.
    const outcome = attemptInvoicePayment(emu, invoice, { paymentMethodId: pm, scheduleRetries: false });
    if (outcome.status === 'succeeded') {
      const subId = invoice.parent?.subscription_details?.subscription;
      const sub = typeof subId === 'string' ? emu.store.subscriptions.get(subId) : undefined;
      if (sub && sub.payment_settings?.save_default_payment_method === 'on_subscription' && !sub.default_payment_method) sub.default_payment_method = pm;
    }
    applyPaymentOutcome(emu, invoice);
    if (outcome.status === 'failed') throw cardError(outcome.error, outcome.context);
    return intent;
  });
}
