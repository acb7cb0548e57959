import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRIGGERS, triggerEvent } from '../../stripe-emulator/trigger';
import { FIRST_INVOICE_PAID_EVENTS, startTestEmulator, type TestEmulator } from './helpers';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(async () => env?.stop());

describe('npm run stripe:trigger <event>', () => {
  it.each(Object.keys(TRIGGERS).sort())('%s: the real sequence is produced and delivered', async (type) => {
    const events = await triggerEvent(env.stripe, env.handle.url, type);
    expect(events.map((e) => e.type)).toContain(type);
    await env.flush();
    const delivered = new Set(env.receiver.received.map((r) => r.event.id));
    expect(events.filter((e) => !delivered.has(e.id))).toEqual([]);
  });

  it('a subscription trigger sends Stripe’s sequence in order', async () => {
    const events = await triggerEvent(env.stripe, env.handle.url, 'customer.subscription.created');
    const types = events.map((e) => e.type);
    const from = types.indexOf('customer.subscription.created');
    expect(types.slice(from, from + 10)).toEqual([
      'customer.subscription.created',
      ...FIRST_INVOICE_PAID_EVENTS,
      'invoice_payment.paid',
      'customer.subscription.updated',
    ]);
  });

  it('refuses an event it cannot produce, listing the supported ones', async () => {
    await expect(triggerEvent(env.stripe, env.handle.url, 'issuing_card.created')).rejects.toThrow(/No trigger for issuing_card.created\. Supported events:/);
  });
});
