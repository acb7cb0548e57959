import { Router } from './http/router';
import { registerCustomers } from './resources/customers';
import { registerProducts } from './resources/products';
import { registerPrices } from './resources/prices';
import { registerPaymentMethods } from './resources/payment-methods';
import { registerCheckoutSessions } from './resources/checkout-sessions';
import { registerSubscriptions } from './resources/subscriptions';
import { registerInvoices } from './resources/invoices';
import { registerEvents } from './resources/events';
import { registerTestClocks } from './resources/test-clocks';
import { registerWebhookEndpoints } from './resources/webhook-endpoints';
import { registerSubscriptionSchedules } from './resources/subscription-schedules';
import { registerBillingPortal } from './resources/billing-portal';
import { registerMeters } from './resources/meters';
import { registerPaymentIntents } from './resources/payment-intents';
import { registerCreditNotes } from './resources/credit-notes';
import { registerCustomerBalance } from './resources/customer-balance';

export function buildRouter(): Router {
  const router = new Router();
  registerCustomers(router);
  registerProducts(router);
  registerPrices(router);
  registerPaymentMethods(router);
  registerCheckoutSessions(router);
  registerSubscriptions(router);
  registerInvoices(router);
  registerEvents(router);
  registerTestClocks(router);
  registerWebhookEndpoints(router);
  registerSubscriptionSchedules(router);
  registerBillingPortal(router);
  registerMeters(router);
  registerPaymentIntents(router);
  registerCreditNotes(router);
  registerCustomerBalance(router);
  return router;
}
