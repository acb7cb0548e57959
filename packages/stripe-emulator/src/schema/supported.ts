/**
 * Which of the parameters Stripe defines (endpoints.generated.json) the emulator implements, per endpoint.
 *
 * A path names a parameter with dots (`invoice_settings.default_payment_method`); arrays are transparent
 * (`items.price` covers `items[0][price]`), and a path covers everything beneath it. `path=a|b` implements only
 * those values. Anything Stripe defines that is not listed here gets a 400 "not supported by the emulator" instead of
 * being silently ignored; a test checks that every path listed here exists in the generated schema.
 */
const LIST = ['limit', 'starting_after', 'ending_before', 'expand'];
const PRICE_DATA = ['currency', 'product', 'unit_amount', 'unit_amount_decimal', 'recurring.interval', 'recurring.interval_count', 'tax_behavior'];
const SUBSCRIPTION_ITEM = ['price', 'plan', 'quantity', 'metadata'];
const prefixed = (prefix: string, paths: string[]): string[] => paths.map((p) => `${prefix}.${p}`);
const PORTAL_CONFIGURATION = [
  'default_return_url', 'metadata', 'name', 'expand',
  ...prefixed('business_profile', ['headline', 'privacy_policy_url', 'terms_of_service_url']),
  ...prefixed('features', [
    'customer_update.enabled', 'customer_update.allowed_updates', 'invoice_history.enabled', 'payment_method_update.enabled',
    ...prefixed('subscription_cancel', ['enabled', 'mode', 'proration_behavior', 'cancellation_reason.enabled', 'cancellation_reason.options']),
    ...prefixed('subscription_update', ['enabled', 'default_allowed_updates', 'proration_behavior', 'products.product', 'products.prices', 'products.adjustable_quantity', 'schedule_at_period_end.conditions.type', 'trial_update_behavior']),
  ]),
];

export const SUPPORTED_PARAMS: Record<string, string[]> = {
  'POST /v1/customers': ['address', 'balance', 'description', 'email', 'expand', 'invoice_settings.default_payment_method', 'metadata', 'name', 'payment_method', 'phone', 'preferred_locales', 'test_clock'],
  'GET /v1/customers': [...LIST, 'email', 'test_clock', 'created'],
  'GET /v1/customers/search': ['query', 'limit', 'expand'],
  'GET /v1/customers/{}': ['expand'],
  'POST /v1/customers/{}': ['address', 'balance', 'description', 'email', 'expand', 'invoice_settings.default_payment_method', 'metadata', 'name', 'phone'],
  'DELETE /v1/customers/{}': [],
  'GET /v1/customers/{}/payment_methods': [...LIST, 'type=card'],

  'POST /v1/products': ['id', 'active', 'description', 'images', 'marketing_features', 'metadata', 'name', 'statement_descriptor', 'tax_code', 'unit_label', 'url', 'expand', ...prefixed('default_price_data', ['currency', 'unit_amount', 'unit_amount_decimal', 'recurring.interval', 'recurring.interval_count', 'tax_behavior', 'metadata'])],
  'GET /v1/products': [...LIST, 'active', 'ids', 'created'],
  'GET /v1/products/{}': ['expand'],
  'POST /v1/products/{}': ['active', 'default_price', 'description', 'images', 'marketing_features', 'metadata', 'name', 'statement_descriptor', 'tax_code', 'unit_label', 'url', 'expand'],
  'DELETE /v1/products/{}': [],

  'POST /v1/prices': ['active', 'currency', 'custom_unit_amount', 'expand', 'lookup_key', 'metadata', 'nickname', 'product', 'product_data.name', 'product_data.active', 'product_data.metadata', 'recurring.interval', 'recurring.interval_count', 'recurring.meter', 'recurring.trial_period_days', 'recurring.usage_type', 'tax_behavior', 'transfer_lookup_key', 'unit_amount', 'unit_amount_decimal'],
  'GET /v1/prices': [...LIST, 'active', 'product', 'type', 'currency', 'lookup_keys', 'recurring.interval', 'created'],
  'GET /v1/prices/{}': ['expand'],
  'POST /v1/prices/{}': ['active', 'expand', 'lookup_key', 'metadata', 'nickname', 'tax_behavior', 'transfer_lookup_key'],

  'POST /v1/payment_methods': ['type=card', 'card.number', 'card.exp_month', 'card.exp_year', 'card.cvc', 'card.token', 'billing_details.email', 'billing_details.name', 'metadata', 'expand'],
  'GET /v1/payment_methods': [...LIST, 'customer', 'type=card'],
  'GET /v1/payment_methods/{}': ['expand'],
  'POST /v1/payment_methods/{}': ['metadata', 'expand'],
  'POST /v1/payment_methods/{}/attach': ['customer', 'expand'],
  'POST /v1/payment_methods/{}/detach': ['expand'],

  'POST /v1/checkout/sessions': [
    'mode', 'customer', 'customer_email', 'client_reference_id', 'success_url', 'cancel_url', 'return_url', 'currency', 'expires_at', 'metadata', 'expand',
    'ui_mode=hosted_page|embedded_page|elements', 'allow_promotion_codes', 'automatic_tax.enabled=false', 'billing_address_collection', 'payment_method_collection',
    ...prefixed('line_items', ['price', 'quantity', 'metadata', ...prefixed('price_data', [...PRICE_DATA, 'product_data.name'])]),
    ...prefixed('subscription_data', ['trial_period_days', 'trial_end', 'metadata', 'description']),
  ],
  'GET /v1/checkout/sessions': [...LIST, 'customer', 'subscription', 'status'],
  'GET /v1/checkout/sessions/{}': ['expand'],
  'POST /v1/checkout/sessions/{}': ['metadata', 'expand'],
  'POST /v1/checkout/sessions/{}/expire': ['expand'],
  'GET /v1/checkout/sessions/{}/line_items': [...LIST],

  'POST /v1/subscriptions': [
    'customer', 'default_payment_method', 'description', 'expand', 'metadata', 'off_session', 'cancel_at_period_end', 'trial_end', 'trial_from_plan', 'trial_period_days',
    'payment_behavior', 'collection_method=charge_automatically', 'billing_mode.type', 'payment_settings.save_default_payment_method',
    'trial_settings.end_behavior.missing_payment_method=create_invoice|pause',
    ...prefixed('items', [...SUBSCRIPTION_ITEM, ...prefixed('price_data', PRICE_DATA)]),
  ],
  'GET /v1/subscriptions': [...LIST, 'customer', 'price', 'status', 'test_clock', 'created'],
  'GET /v1/subscriptions/{}': ['expand'],
  'POST /v1/subscriptions/{}': [
    'cancel_at', 'cancel_at_period_end', 'cancellation_details', 'default_payment_method', 'description', 'expand', 'metadata', 'payment_behavior', 'proration_behavior', 'proration_date', 'trial_end',
    ...prefixed('items', ['id', 'deleted', ...SUBSCRIPTION_ITEM, ...prefixed('price_data', PRICE_DATA)]),
  ],
  'DELETE /v1/subscriptions/{}': ['cancellation_details', 'expand'],
  'POST /v1/subscriptions/{}/resume': ['billing_cycle_anchor.type=now', 'expand'],
  'GET /v1/subscription_items': [...LIST, 'subscription'],
  'GET /v1/subscription_items/{}': ['expand'],
  'POST /v1/subscription_items/{}': [
    'price', 'plan', 'quantity', 'metadata', 'proration_behavior', 'proration_date', 'payment_behavior', 'expand', ...prefixed('price_data', PRICE_DATA),
  ],

  'POST /v1/invoices/create_preview': [
    'customer', 'subscription', 'expand',
    ...prefixed('subscription_details', ['cancel_at_period_end', 'proration_behavior', 'proration_date', ...prefixed('items', ['id', 'deleted', ...SUBSCRIPTION_ITEM, ...prefixed('price_data', PRICE_DATA)])]),
  ],
  'GET /v1/invoices': [...LIST, 'customer', 'subscription', 'status', 'created'],
  'GET /v1/invoices/{}': ['expand'],
  'POST /v1/invoices/{}': ['metadata', 'description', 'auto_advance', 'expand'],
  'GET /v1/invoices/{}/lines': [...LIST],
  'POST /v1/invoices/{}/finalize': ['expand'],
  'POST /v1/invoices/{}/pay': ['payment_method', 'expand'],
  'POST /v1/invoices/{}/void': ['expand'],
  'POST /v1/invoices/{}/mark_uncollectible': ['expand'],
  'GET /v1/invoice_payments': [...LIST, 'invoice'],
  'GET /v1/invoice_payments/{}': ['expand'],
  'POST /v1/invoiceitems': ['customer', 'amount', 'currency', 'description', 'metadata', 'period', 'pricing.price', 'quantity', 'subscription', 'expand'],
  'GET /v1/invoiceitems': [...LIST, 'customer', 'invoice', 'pending'],
  'GET /v1/invoiceitems/{}': ['expand'],
  'DELETE /v1/invoiceitems/{}': [],

  'GET /v1/events': [...LIST, 'type', 'types', 'created'],
  'GET /v1/events/{}': ['expand'],

  'POST /v1/test_helpers/test_clocks': ['frozen_time', 'name', 'expand'],
  'GET /v1/test_helpers/test_clocks': [...LIST],
  'GET /v1/test_helpers/test_clocks/{}': ['expand'],
  'DELETE /v1/test_helpers/test_clocks/{}': [],
  'POST /v1/test_helpers/test_clocks/{}/advance': ['frozen_time', 'expand'],

  'POST /v1/webhook_endpoints': ['url', 'enabled_events', 'description', 'api_version', 'metadata', 'expand'],
  'GET /v1/webhook_endpoints': [...LIST],
  'GET /v1/webhook_endpoints/{}': ['expand'],
  'POST /v1/webhook_endpoints/{}': ['url', 'enabled_events', 'description', 'disabled', 'metadata', 'expand'],
  'DELETE /v1/webhook_endpoints/{}': [],

  'POST /v1/subscription_schedules': [
    'from_subscription', 'end_behavior', 'metadata', 'expand', 'customer', 'start_date',
    ...prefixed('phases', ['end_date', 'duration', 'proration_behavior', 'trial_end', 'metadata', ...prefixed('items', ['price', 'plan', 'quantity', 'metadata'])]),
  ],
  'GET /v1/subscription_schedules': [...LIST, 'customer'],
  'GET /v1/subscription_schedules/{}': ['expand'],
  'POST /v1/subscription_schedules/{}': [
    'end_behavior', 'metadata', 'expand',
    ...prefixed('phases', ['start_date', 'end_date', 'duration', 'proration_behavior', 'trial_end', 'metadata', ...prefixed('items', ['price', 'plan', 'quantity', 'metadata'])]),
  ],
  'POST /v1/subscription_schedules/{}/release': ['expand'],
  'POST /v1/subscription_schedules/{}/cancel': ['expand'],

  'POST /v1/billing_portal/configurations': [...PORTAL_CONFIGURATION, 'login_page.enabled'],
  'GET /v1/billing_portal/configurations': [...LIST, 'active', 'is_default'],
  'GET /v1/billing_portal/configurations/{}': ['expand'],
  'POST /v1/billing_portal/configurations/{}': [...PORTAL_CONFIGURATION, 'active'],
  'POST /v1/billing_portal/sessions': [
    'customer', 'configuration', 'return_url', 'expand',
    'flow_data.type=payment_method_update|subscription_cancel|subscription_update|subscription_update_confirm', 'flow_data.after_completion.type',
    'flow_data.after_completion.redirect.return_url', 'flow_data.after_completion.hosted_confirmation.custom_message', 'flow_data.subscription_cancel.subscription',
    'flow_data.subscription_update.subscription', 'flow_data.subscription_update_confirm.subscription', 'flow_data.subscription_update_confirm.items.id',
    'flow_data.subscription_update_confirm.items.price', 'flow_data.subscription_update_confirm.items.quantity',
  ],

  'POST /v1/billing/meters': ['display_name', 'event_name', 'event_time_window', 'default_aggregation.formula', 'customer_mapping.event_payload_key', 'customer_mapping.type', 'value_settings.event_payload_key', 'expand'],
  'GET /v1/billing/meters': [...LIST, 'status'],
  'GET /v1/billing/meters/{}': ['expand'],
  'POST /v1/billing/meters/{}': ['display_name', 'expand'],
  'POST /v1/billing/meters/{}/deactivate': ['expand'],
  'POST /v1/billing/meters/{}/reactivate': ['expand'],
  'GET /v1/billing/meters/{}/event_summaries': [...LIST, 'customer', 'start_time', 'end_time', 'value_grouping_window'],
  'GET /v1/payment_intents/{}': ['expand'],
  'GET /v1/charges/{}': ['expand'],
  'GET /v1/setup_intents/{}': ['expand'],
  'POST /v1/payment_intents/{}/confirm': ['payment_method', 'expand', 'off_session', 'return_url', 'error_on_requires_action', 'setup_future_usage'],
  'POST /v1/payment_intents': [
    'amount', 'currency', 'customer', 'payment_method', 'allowed_payment_method_types=card', 'automatic_payment_methods.enabled', 'automatic_payment_methods.allow_redirects',
    'confirm', 'off_session', 'return_url', 'error_on_requires_action', 'setup_future_usage', 'capture_method', 'description', 'metadata', 'receipt_email',
    'statement_descriptor', 'statement_descriptor_suffix', 'expand',
  ],
  'GET /v1/payment_intents': [...LIST, 'customer', 'created'],
  'POST /v1/payment_intents/{}': ['amount', 'currency', 'customer', 'payment_method', 'allowed_payment_method_types=card', 'setup_future_usage', 'capture_method', 'description', 'metadata', 'receipt_email', 'expand'],
  'POST /v1/payment_intents/{}/capture': ['amount_to_capture', 'expand'],
  'POST /v1/payment_intents/{}/cancel': ['cancellation_reason', 'expand'],
  'POST /v1/setup_intents': [
    'customer', 'payment_method', 'allowed_payment_method_types=card', 'automatic_payment_methods.enabled', 'automatic_payment_methods.allow_redirects', 'confirm', 'return_url',
    'usage', 'description', 'metadata', 'expand',
  ],
  'GET /v1/setup_intents': [...LIST, 'customer', 'payment_method', 'created'],
  'POST /v1/setup_intents/{}': ['customer', 'payment_method', 'allowed_payment_method_types=card', 'description', 'metadata', 'expand'],
  'POST /v1/setup_intents/{}/confirm': ['payment_method', 'return_url', 'expand'],
  'POST /v1/setup_intents/{}/cancel': ['cancellation_reason', 'expand'],
  'GET /v1/charges': [...LIST, 'customer', 'payment_intent', 'created'],

  'POST /v1/billing/meter_events': ['event_name', 'payload', 'identifier', 'timestamp'],
};
