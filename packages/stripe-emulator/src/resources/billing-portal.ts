import type Stripe from 'stripe';
import type { Router } from '../http/router';
import type { Emulator } from '../emulator';
import type { Params } from '../http/form';
import { newId } from '../ids';
import { emitEvent } from '../events';
import { clone } from '../json';
import { invalidRequest, parameterMissing, resourceMissing } from '../http/errors';
import { newestFirst, paginate } from '../http/pagination';
import { getCustomer } from './lookup';

type Features = Stripe.BillingPortal.Configuration.Features;
const PRORATION = ['always_invoice', 'create_prorations', 'none'] as const;

function defaultFeatures(): Features {
  return {
    customer_update: { allowed_updates: ['email', 'address'], enabled: false },
    invoice_history: { enabled: true },
    payment_method_update: { enabled: true, payment_method_configuration: null },
    subscription_cancel: {
      cancellation_reason: { enabled: false, feedback_options: null, options: [] },
      enabled: true,
      mode: 'at_period_end',
      proration_behavior: 'none',
    },
    subscription_pause: { duration: { interval_options: [], type: 'indefinite' }, enabled: false },
    subscription_update: {
      billing_cycle_anchor: null,
      default_allowed_updates: [],
      enabled: false,
      products: [],
      proration_behavior: 'create_prorations',
      schedule_at_period_end: { conditions: [] },
      trial_update_behavior: 'end_trial',
    },
  };
}

/** Merge `features[...]` params into a features object (create starts from defaults, update from the current value). */
function applyFeatures(features: Features, p: Params | undefined): Features {
  if (!p) return features;
  const next = clone(features);
  const customerUpdate = p.obj('customer_update');
  if (customerUpdate) {
    next.customer_update.enabled = customerUpdate.bool('enabled') ?? next.customer_update.enabled;
    next.customer_update.allowed_updates = customerUpdate.isEmpty('allowed_updates') ? [] : (customerUpdate.strArray('allowed_updates') ?? next.customer_update.allowed_updates);
  }
  const history = p.obj('invoice_history');
  if (history) next.invoice_history.enabled = history.bool('enabled') ?? next.invoice_history.enabled;
  const pmUpdate = p.obj('payment_method_update');
  if (pmUpdate) next.payment_method_update.enabled = pmUpdate.bool('enabled') ?? next.payment_method_update.enabled;
  const cancel = p.obj('subscription_cancel');
  if (cancel) {
    next.subscription_cancel.enabled = cancel.bool('enabled') ?? next.subscription_cancel.enabled;
    next.subscription_cancel.mode = cancel.oneOf('mode', ['at_period_end', 'immediately'] as const) ?? next.subscription_cancel.mode;
    next.subscription_cancel.proration_behavior = cancel.oneOf('proration_behavior', PRORATION) ?? next.subscription_cancel.proration_behavior;
    const reason = cancel.obj('cancellation_reason');
    if (reason) {
      next.subscription_cancel.cancellation_reason.enabled = reason.bool('enabled') ?? false;
      next.subscription_cancel.cancellation_reason.options = reason.strArray('options') ?? [];
    }
  }
  const update = p.obj('subscription_update');
  if (update) {
    const su = next.subscription_update;
    su.enabled = update.bool('enabled') ?? su.enabled;
    su.default_allowed_updates = update.isEmpty('default_allowed_updates') ? [] : (update.strArray('default_allowed_updates') ?? su.default_allowed_updates);
    su.proration_behavior = update.oneOf('proration_behavior', PRORATION) ?? su.proration_behavior;
    if (update.isEmpty('products')) su.products = [];
    const products = update.objArray('products');
    if (products) {
      su.products = products.map((prod, index) => ({
        adjustable_quantity: adjustableQuantity(prod.obj('adjustable_quantity'), `features[subscription_update][products][${index}][adjustable_quantity][maximum]`),
        prices: prod.strArray('prices') ?? [],
        product: prod.requiredStr('product'),
      }));
    }
    su.trial_update_behavior = update.oneOf('trial_update_behavior', ['continue_trial', 'end_trial'] as const) ?? su.trial_update_behavior;
    const atPeriodEnd = update.obj('schedule_at_period_end');
    if (atPeriodEnd) {
      su.schedule_at_period_end = {
        conditions: (atPeriodEnd.objArray('conditions') ?? []).map((c) => ({
          type: c.oneOf('type', ['decreasing_item_amount', 'shortening_interval'] as const) ?? 'decreasing_item_amount',
        })),
      };
    }
  }
  return next;
}

/** `products[n][adjustable_quantity]`: whether the portal may change that product's quantity, and within which bounds. */
function adjustableQuantity(p: Params | undefined, maximumParam: string): Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.Product.AdjustableQuantity {
  if (!p) return { enabled: false, maximum: null, minimum: 1 };
  const minimum = p.int('minimum') ?? 1;
  const maximum = p.int('maximum') ?? null;
  if (maximum !== null && maximum < minimum) {
    throw invalidRequest('The maximum quantity must be greater than or equal to the minimum quantity.', maximumParam);
  }
  return { enabled: p.bool('enabled') ?? false, maximum, minimum };
}

function businessProfile(current: Stripe.BillingPortal.Configuration.BusinessProfile, p: Params | undefined) {
  if (!p) return current;
  return {
    headline: p.nullableStr('headline') ?? (p.has('headline') ? null : current.headline),
    privacy_policy_url: p.str('privacy_policy_url') ?? current.privacy_policy_url,
    terms_of_service_url: p.str('terms_of_service_url') ?? current.terms_of_service_url,
  };
}

export function createConfiguration(emu: Emulator, params: Params | null, isDefault = false): Stripe.BillingPortal.Configuration {
  const now = emu.realNow();
  const config: Stripe.BillingPortal.Configuration = {
    id: newId('bpc'),
    object: 'billing_portal.configuration',
    active: true,
    application: null,
    business_profile: businessProfile({ headline: null, privacy_policy_url: null, terms_of_service_url: null }, params?.obj('business_profile')),
    created: now,
    default_return_url: params?.str('default_return_url') ?? null,
    features: applyFeatures(defaultFeatures(), params?.obj('features')),
    is_default: isDefault,
    livemode: false,
    login_page: { enabled: params?.obj('login_page')?.bool('enabled') ?? false, url: null },
    metadata: params ? params.applyMetadata({}) : {},
    name: params?.str('name') ?? null,
    updated: now,
  };
  emu.store.portalConfigurations.set(config.id, config);
  emitEvent(emu, 'billing_portal.configuration.created', config);
  return config;
}

function getConfiguration(emu: Emulator, id: string, param = 'id'): Stripe.BillingPortal.Configuration {
  const config = emu.store.portalConfigurations.get(id);
  if (!config) throw resourceMissing('configuration', id, param);
  return config;
}

function defaultConfiguration(emu: Emulator): Stripe.BillingPortal.Configuration {
  const existing = [...emu.store.portalConfigurations.values()].find((c) => c.is_default);
  return existing ?? createConfiguration(emu, null, true);
}

export function registerBillingPortal(router: Router): void {
  router.post('/v1/billing_portal/configurations', ({ emu, params }) => {
    if (!params.has('features')) throw parameterMissing('features');
    return createConfiguration(emu, params);
  });
  router.get('/v1/billing_portal/configurations', ({ emu, params }) => {
    const active = params.bool('active');
    const isDefault = params.bool('is_default');
    const items = newestFirst(emu.store.portalConfigurations.values()).filter(
      (c) => (active === undefined || c.active === active) && (isDefault === undefined || c.is_default === isDefault),
    );
    return paginate(items, params, '/v1/billing_portal/configurations', 'configuration');
  });
  router.get('/v1/billing_portal/configurations/:id', ({ emu, path }) => getConfiguration(emu, path.id));
  router.post('/v1/billing_portal/configurations/:id', ({ emu, path, params }) => {
    const config = getConfiguration(emu, path.id);
    const before = clone(config);
    config.active = params.bool('active') ?? config.active;
    config.business_profile = businessProfile(config.business_profile, params.obj('business_profile'));
    const returnUrl = params.nullableStr('default_return_url');
    if (returnUrl !== undefined) config.default_return_url = returnUrl;
    config.features = applyFeatures(config.features, params.obj('features'));
    const name = params.nullableStr('name');
    if (name !== undefined) config.name = name;
    config.metadata = params.applyMetadata(config.metadata ?? {});
    config.updated = emu.realNow();
    emitEvent(emu, 'billing_portal.configuration.updated', config, before);
    return config;
  });

  router.post('/v1/billing_portal/sessions', ({ emu, params }) => {
    const customer = getCustomer(emu, params.requiredStr('customer'), 'customer');
    const configId = params.str('configuration');
    const config = configId ? getConfiguration(emu, configId, 'configuration') : defaultConfiguration(emu);
    const id = newId('bps');
    const session: Stripe.BillingPortal.Session = {
      id,
      object: 'billing_portal.session',
      configuration: config.id,
      created: emu.realNow(),
      customer: customer.id,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: params.str('return_url') ?? config.default_return_url,
      url: emu.resourceUrl(`/portal/${id}`),
    };
    emu.store.portalSessions.set(id, session);
    emitEvent(emu, 'billing_portal.session.created', session);
    return session;
  });
}
