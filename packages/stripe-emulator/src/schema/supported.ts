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
const CURRENCY_OPTIONS = prefixed('currency_options.*', ['unit_amount', 'unit_amount_decimal', 'tax_behavior']);
const SHIPPING_RATE = ['display_name', 'fixed_amount.amount', 'fixed_amount.currency', 'metadata', 'tax_behavior', 'type=fixed_amount',
  'delivery_estimate.minimum.unit', 'delivery_estimate.minimum.value', 'delivery_estimate.maximum.unit', 'delivery_estimate.maximum.value'];
const CHECKOUT_TAX = [
  'customer_update.address', 'customer_update.name', 'customer_update.shipping', 'tax_id_collection.enabled',
  'shipping_address_collection.allowed_countries', 'shipping_options.shipping_rate', ...prefixed('shipping_options.shipping_rate_data', SHIPPING_RATE),
];
const CREDIT_NOTE_LINES = prefixed('lines', ['type', 'invoice_line_item', 'amount', 'quantity', 'description', 'unit_amount', 'metadata']);
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
  'POST /v1/customers': ['shipping', 'tax_id_data', 'address', 'balance', 'description', 'email', 'expand', 'invoice_settings.default_payment_method', 'metadata', 'name', 'payment_method', 'phone', 'preferred_locales', 'test_clock'],
  'GET /v1/customers': [...LIST, 'email', 'test_clock', 'created'],
  'GET /v1/customers/search': ['query', 'limit', 'page', 'expand'],
  'GET /v1/customers/{}': ['expand'],
  'POST /v1/customers/{}': ['shipping', 'address', 'balance', 'description', 'email', 'expand', 'invoice_settings.default_payment_method', 'metadata', 'name', 'phone'],
  'DELETE /v1/customers/{}': [],
  'GET /v1/customers/{}/payment_methods': [...LIST, 'type=card'],

  'POST /v1/products': ['id', 'active', 'description', 'images', 'marketing_features', 'metadata', 'name', 'statement_descriptor', 'tax_code', 'unit_label', 'url', 'expand', ...prefixed('default_price_data', ['currency', 'unit_amount', 'unit_amount_decimal', 'recurring.interval', 'recurring.interval_count', 'tax_behavior', 'metadata'])],
  'GET /v1/products': [...LIST, 'active', 'ids', 'created'],
  'GET /v1/products/{}': ['expand'],
  'POST /v1/products/{}': ['active', 'default_price', 'description', 'images', 'marketing_features', 'metadata', 'name', 'statement_descriptor', 'tax_code', 'unit_label', 'url', 'expand'],
  'DELETE /v1/products/{}': [],

  'POST /v1/prices': ['active', 'currency', 'custom_unit_amount', 'expand', 'lookup_key', 'metadata', 'nickname', 'product', 'product_data.name', 'product_data.active', 'product_data.metadata', 'recurring.interval', 'recurring.interval_count', 'recurring.meter', 'recurring.trial_period_days', 'recurring.usage_type', 'tax_behavior', 'transfer_lookup_key', 'unit_amount', 'unit_amount_decimal', ...CURRENCY_OPTIONS],
  'GET /v1/prices': [...LIST, 'active', 'product', 'type', 'currency', 'lookup_keys', 'recurring.interval', 'created'],
  'GET /v1/prices/{}': ['expand'],
  'POST /v1/prices/{}': ['active', 'expand', 'lookup_key', 'metadata', 'nickname', 'tax_behavior', 'transfer_lookup_key', ...CURRENCY_OPTIONS],

  'POST /v1/payment_methods': ['type=card', 'card.number', 'card.exp_month', 'card.exp_year', 'card.cvc', 'card.token', 'billing_details.email', 'billing_details.name', 'metadata', 'expand'],
  'GET /v1/payment_methods': [...LIST, 'customer', 'type=card'],
  'GET /v1/payment_methods/{}': ['expand'],
  'POST /v1/payment_methods/{}': ['metadata', 'expand'],
  'POST /v1/payment_methods/{}/attach': ['customer', 'expand'],
  'POST /v1/payment_methods/{}/detach': ['expand'],

  'POST /v1/checkout/sessions': [
    'mode', 'customer', 'customer_email', 'client_reference_id', 'success_url', 'cancel_url', 'return_url', 'currency', 'expires_at', 'metadata', 'expand',
    'ui_mode=hosted_page|embedded_page|elements', 'allow_promotion_codes', 'automatic_tax.enabled', 'billing_address_collection', 'payment_method_collection',
    ...CHECKOUT_TAX,
    ...prefixed('line_items', ['price', 'quantity', 'metadata', 'tax_rates', ...prefixed('price_data', [...PRICE_DATA, 'product_data.name'])]),
    ...prefixed('subscription_data', ['trial_period_days', 'trial_end', 'metadata', 'description']),
    'subscription_data.billing_mode.type',
  ],
  'GET /v1/checkout/sessions': [...LIST, 'customer', 'subscription', 'status'],
  'GET /v1/checkout/sessions/{}': ['expand'],
  'POST /v1/checkout/sessions/{}': ['metadata', 'expand'],
  'POST /v1/checkout/sessions/{}/expire': ['expand'],
  'GET /v1/checkout/sessions/{}/line_items': [...LIST],

  'POST /v1/subscriptions': [
    'customer', 'default_payment_method', 'description', 'expand', 'metadata', 'off_session', 'cancel_at_period_end', 'trial_end', 'trial_from_plan', 'trial_period_days',
    'payment_behavior', 'collection_method=charge_automatically', 'billing_mode.type', 'payment_settings.save_default_payment_method',
    'trial_settings.end_behavior.missing_payment_method=create_invoice|pause|cancel', 'automatic_tax.enabled', 'default_tax_rates', 'items.tax_rates',
    ...prefixed('items', [...SUBSCRIPTION_ITEM, ...prefixed('price_data', PRICE_DATA)]),
  ],
  'GET /v1/subscriptions': [...LIST, 'customer', 'price', 'status', 'test_clock', 'created'],
  'GET /v1/subscriptions/{}': ['expand'],
  'POST /v1/subscriptions/{}': [
    'cancel_at', 'cancel_at_period_end', 'cancellation_details', 'default_payment_method', 'description', 'expand', 'metadata', 'payment_behavior', 'proration_behavior', 'proration_date', 'trial_end',
    'automatic_tax.enabled', 'default_tax_rates', 'items.tax_rates',
    ...prefixed('items', ['id', 'deleted', ...SUBSCRIPTION_ITEM, ...prefixed('price_data', PRICE_DATA)]),
  ],
  'DELETE /v1/subscriptions/{}': ['cancellation_details', 'expand'],
  'POST /v1/subscriptions/{}/resume': ['billing_cycle_anchor.type=now', 'expand'],
  'GET /v1/subscription_items': [...LIST, 'subscription'],
  'GET /v1/subscription_items/{}': ['expand'],
  'POST /v1/subscription_items/{}': [
    'price', 'plan', 'quantity', 'metadata', 'proration_behavior', 'proration_date', 'payment_behavior', 'expand', ...prefixed('price_data', PRICE_DATA), 'tax_rates',
  ],

  'POST /v1/invoices/create_preview': [
    'customer', 'subscription', 'expand', 'automatic_tax.enabled',
    ...prefixed('subscription_details', ['cancel_at_period_end', 'proration_behavior', 'proration_date', ...prefixed('items', ['id', 'deleted', ...SUBSCRIPTION_ITEM, ...prefixed('price_data', PRICE_DATA)])]),
  ],
  'GET /v1/invoices': [...LIST, 'customer', 'subscription', 'status', 'created', 'collection_method', 'due_date'],
  'GET /v1/invoices/{}': ['expand'],
  'POST /v1/invoices/{}': ['metadata', 'description', 'auto_advance', 'expand', 'collection_method', 'days_until_due', 'due_date', 'footer', 'default_payment_method'],
  'GET /v1/invoices/{}/lines': [...LIST],
  'POST /v1/invoices/{}/finalize': ['expand', 'auto_advance'],
  'POST /v1/invoices/{}/pay': ['payment_method', 'expand', 'paid_out_of_band'],
  'POST /v1/invoices/{}/void': ['expand'],
  'POST /v1/invoices/{}/mark_uncollectible': ['expand'],
  'GET /v1/invoice_payments': [...LIST, 'invoice'],
  'GET /v1/invoice_payments/{}': ['expand'],
  'POST /v1/invoiceitems': ['tax_rates', 'customer', 'amount', 'currency', 'description', 'metadata', 'period', 'pricing.price', 'quantity', 'subscription', 'expand', 'invoice'],
  'GET /v1/invoiceitems': [...LIST, 'customer', 'invoice', 'pending', 'created'],
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

  // Search (src/search): the same parameters on every searchable resource.
  ...Object.fromEntries(['charges', 'invoices', 'payment_intents', 'prices', 'products', 'subscriptions'].map((r) => [`GET /v1/${r}/search`, ['query', 'limit', 'page', 'expand']])),
  'POST /v1/tax_rates': ['display_name', 'inclusive', 'percentage', 'active', 'country', 'description', 'jurisdiction', 'metadata', 'state', 'tax_type', 'expand'],
  'GET /v1/tax_rates': [...LIST, 'active', 'inclusive', 'created'],
  'GET /v1/tax_rates/{}': ['expand'],
  'POST /v1/tax_rates/{}': ['active', 'country', 'description', 'display_name', 'jurisdiction', 'metadata', 'state', 'tax_type', 'expand'],
  'POST /v1/customers/{}/tax_ids': ['type', 'value', 'expand'],
  'GET /v1/customers/{}/tax_ids': [...LIST],
  'GET /v1/customers/{}/tax_ids/{}': ['expand'],
  'DELETE /v1/customers/{}/tax_ids/{}': [],
  'POST /v1/shipping_rates': [...SHIPPING_RATE, 'expand'],
  'GET /v1/shipping_rates': [...LIST, 'active'],
  'GET /v1/shipping_rates/{}': ['expand'],
  'POST /v1/shipping_rates/{}': ['active', 'metadata', 'expand'],
  // One-off invoices, subscription items (create/delete), credit notes, customer balance.
  'POST /v1/invoices': [
    'customer', 'auto_advance', 'collection_method', 'days_until_due', 'due_date', 'description', 'metadata', 'currency',
    'pending_invoice_items_behavior', 'subscription', 'default_payment_method', 'footer', 'expand',
    'discounts.coupon', 'discounts.promotion_code',
  ],
  'DELETE /v1/invoices/{}': [],
  'POST /v1/invoices/{}/send': ['expand'],
  'POST /v1/invoices/{}/add_lines': ['expand', ...prefixed('lines', ['invoice_item', 'amount', 'description', 'quantity', 'pricing.price', 'period', 'metadata'])],
  'POST /v1/invoiceitems/{}': ['amount', 'description', 'metadata', 'period', 'pricing.price', 'quantity', 'expand'],
  'POST /v1/subscription_items': ['subscription', 'price', 'plan', 'quantity', 'metadata', 'proration_behavior', 'proration_date', 'payment_behavior', 'expand', ...prefixed('price_data', PRICE_DATA)],
  'DELETE /v1/subscription_items/{}': ['proration_behavior', 'proration_date', 'clear_usage', 'payment_behavior'],
  'POST /v1/credit_notes': ['invoice', 'amount', 'credit_amount', 'refund_amount', 'out_of_band_amount', 'reason', 'memo', 'metadata', 'effective_at', 'expand', ...CREDIT_NOTE_LINES],
  'GET /v1/credit_notes/preview': ['invoice', 'amount', 'credit_amount', 'refund_amount', 'out_of_band_amount', 'reason', 'memo', 'metadata', 'effective_at', 'expand', ...CREDIT_NOTE_LINES],
  'GET /v1/credit_notes/preview/lines': [...LIST, 'invoice', 'amount', 'credit_amount', 'refund_amount', 'out_of_band_amount', 'reason', 'memo', 'metadata', 'effective_at', ...CREDIT_NOTE_LINES],
  'GET /v1/credit_notes': [...LIST, 'invoice', 'customer', 'created'],
  'GET /v1/credit_notes/{}': ['expand'],
  'GET /v1/credit_notes/{}/lines': [...LIST],
  'POST /v1/credit_notes/{}': ['memo', 'metadata', 'expand'],
  'POST /v1/credit_notes/{}/void': ['expand'],
  'POST /v1/refunds': ['charge', 'payment_intent', 'amount', 'reason', 'metadata', 'expand'],
  'GET /v1/refunds': [...LIST, 'charge', 'payment_intent', 'created'],
  'GET /v1/refunds/{}': ['expand'],
  'POST /v1/customers/{}/balance_transactions': ['amount', 'currency', 'description', 'metadata', 'expand'],
  'GET /v1/customers/{}/balance_transactions': [...LIST, 'invoice', 'created'],
  'GET /v1/customers/{}/balance_transactions/{}': ['expand'],
  'POST /v1/customers/{}/balance_transactions/{}': ['description', 'metadata', 'expand'],
};

// Coupons, promotion codes and discounts.
Object.assign(SUPPORTED_PARAMS, {
  'POST /v1/coupons': ['id', 'amount_off', 'currency', 'percent_off', 'duration', 'duration_in_months', 'max_redemptions', 'redeem_by', 'name', 'metadata', 'applies_to.products', 'expand'],
  'GET /v1/coupons': [...LIST, 'created'],
  'GET /v1/coupons/{}': ['expand'],
  'POST /v1/coupons/{}': ['name', 'metadata', 'expand'],
  'DELETE /v1/coupons/{}': [],
  'POST /v1/promotion_codes': [
    'promotion.type', 'promotion.coupon', 'code', 'active', 'customer', 'expires_at', 'max_redemptions', 'metadata', 'expand',
    'restrictions.first_time_transaction', 'restrictions.minimum_amount', 'restrictions.minimum_amount_currency',
  ],
  'GET /v1/promotion_codes': [...LIST, 'code', 'coupon', 'active', 'customer', 'created'],
  'GET /v1/promotion_codes/{}': ['expand'],
  'POST /v1/promotion_codes/{}': ['active', 'metadata', 'expand'],
  'DELETE /v1/subscriptions/{}/discount': [],
});
SUPPORTED_PARAMS['POST /v1/checkout/sessions'].push('discounts');
SUPPORTED_PARAMS['POST /v1/subscriptions'].push('discounts');
SUPPORTED_PARAMS['POST /v1/subscriptions/{}'].push('discounts');
SUPPORTED_PARAMS['POST /v1/invoices/create_preview'].push('discounts');
