import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { newId } from "../ids";
import { emitEvent } from "../events";
import { clone, decimal } from "../json";
import { registerIncludable } from "../http/expand";
import { invalidRequest, parameterMissing } from "../http/errors";
import { matchesRange, newestFirst, paginate } from "../http/pagination";
import { getPrice, getProduct } from "./lookup";
import { refreshEmbeddedPrice } from "../billing/plans";

const INTERVALS = ["day", "week", "month", "year"] as const;
const TAX_BEHAVIORS = ["exclusive", "inclusive", "unspecified"] as const;

/** `currency_options[<currency>]`: per-currency unit amounts and tax behaviours, merged into `current`. */
function currencyOptionsFrom(
  params: Params,
  priceCurrency: string,
  current: Record<string, Stripe.Price.CurrencyOptions>,
): Record<string, Stripe.Price.CurrencyOptions> {
  const options = params.obj("currency_options");
  if (!options) return current;
  const result = { ...current };
  for (const key of Object.keys(options.raw)) {
    const currency = key.toLowerCase();
    const option = options.requiredObj(key);
    if (currency === priceCurrency) {
      throw invalidRequest(
        `\`currency_options\` cannot include the price's own currency (\`${priceCurrency}\`).`,
        option.name("unit_amount"),
      );
    }
    const decimalAmount = option.str("unit_amount_decimal");
    const unitAmount = option.int("unit_amount") ?? (decimalAmount !== undefined ? Math.round(Number(decimalAmount)) : undefined);
    if (unitAmount === undefined) throw parameterMissing(option.name("unit_amount"));
    if (unitAmount < 0) throw invalidRequest("Invalid non-negative integer", option.name("unit_amount"), "parameter_invalid_integer");
    result[currency] = {
      custom_unit_amount: null,
      tax_behavior: option.oneOf("tax_behavior", TAX_BEHAVIORS) ?? result[currency]?.tax_behavior ?? "unspecified",
      unit_amount: unitAmount,
      unit_amount_decimal: decimal(decimalAmount ?? unitAmount),
    };
  }
  return result;
}

function findByLookupKey(emu: Emulator, key: string): Stripe.Price | undefined {
  return [...emu.store.prices.values()].find((p) => p.lookup_key === key);
}

/** Give `key` to `price`, taking it from its current holder when `transfer` is set (transfer_lookup_key). */
function assignLookupKey(emu: Emulator, price: Stripe.Price, key: string | null, transfer: boolean): void {
  if (key !== null) {
    const holder = findByLookupKey(emu, key);
    if (holder && holder.id !== price.id) {
      if (!transfer) {
        throw invalidRequest(`A price (\`${holder.id}\`) already uses that lookup key.`, "lookup_key", "lookup_key_already_exists");
      }
      const before = clone(holder);
      holder.lookup_key = null;
      refreshEmbeddedPrice(emu, holder);
      emitEvent(emu, "price.updated", holder, before);
    }
  }
  price.lookup_key = key;
}

/** Also used for `product.default_price_data` and inline `price_data`, where the product is given separately. */
export function createPrice(emu: Emulator, params: Params, productId?: string): Stripe.Price {
  const currency = params.requiredStr("currency").toLowerCase();
  let product = productId;
  if (!product) {
    const productData = params.obj("product_data");
    if (productData) {
      const created: Stripe.Product = {
        id: newId("prod", 14),
        object: "product",
        active: productData.bool("active") ?? true,
        created: emu.realNow(),
        default_price: null,
        description: null,
        images: [],
        livemode: false,
        marketing_features: [],
        metadata: productData.applyMetadata({}),
        name: productData.requiredStr("name"),
        package_dimensions: null,
        shippable: null,
        tax_code: null,
        tax_details: null,
        type: "service",
        unit_label: null,
        updated: emu.realNow(),
        url: null,
      };
      emu.store.products.set(created.id, created);
      emitEvent(emu, "product.created", created);
      product = created.id;
    } else {
      const productRef = params.str("product");
      if (!productRef) throw parameterMissing("product");
      product = getProduct(emu, productRef, "product").id;
    }
  }
  const unitAmountDecimal = params.str("unit_amount_decimal");
  const unitAmount = params.int("unit_amount") ?? (unitAmountDecimal !== undefined ? Math.round(Number(unitAmountDecimal)) : undefined);
  const customUnitAmount = params.obj("custom_unit_amount");
  if (unitAmount === undefined && !customUnitAmount) throw parameterMissing(params.name("unit_amount"));
  if (unitAmount !== undefined && unitAmount < 0)
    throw invalidRequest("Invalid non-negative integer", params.name("unit_amount"), "parameter_invalid_integer");
  const recurringParams = params.obj("recurring");
  let recurring: Stripe.Price.Recurring | null = null;
  if (recurringParams) {
    const usageType = recurringParams.oneOf("usage_type", ["licensed", "metered"] as const) ?? "licensed";
    const meter = recurringParams.str("meter") ?? null;
    if (usageType === "metered" && meter && !emu.store.meters.has(meter)) {
      throw invalidRequest(`No such billing meter: '${meter}'`, recurringParams.name("meter"), "resource_missing");
    }
    const interval = recurringParams.oneOf("interval", INTERVALS);
    if (!interval) throw parameterMissing(recurringParams.name("interval"));
    recurring = {
      interval,
      interval_count: recurringParams.int("interval_count") ?? 1,
      meter,
      trial_period_days: recurringParams.int("trial_period_days") ?? null,
      usage_type: usageType,
    };
  }
  const price: Stripe.Price = {
    id: newId("price"),
    object: "price",
    active: params.bool("active") ?? true,
    billing_scheme: "per_unit",
    created: emu.realNow(),
    currency,
    custom_unit_amount: customUnitAmount
      ? {
          maximum: customUnitAmount.int("maximum") ?? null,
          minimum: customUnitAmount.int("minimum") ?? null,
          preset: customUnitAmount.int("preset") ?? null,
        }
      : null,
    livemode: false,
    lookup_key: null,
    metadata: params.applyMetadata({}),
    nickname: params.str("nickname") ?? null,
    product,
    recurring,
    tax_behavior: params.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const) ?? "unspecified",
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? "recurring" : "one_time",
    unit_amount: unitAmount ?? null,
    unit_amount_decimal: unitAmount !== undefined ? decimal(unitAmountDecimal ?? unitAmount) : null,
  };
  const options = currencyOptionsFrom(params, currency, {});
  const lookupKey = params.str("lookup_key");
  if (lookupKey) assignLookupKey(emu, price, lookupKey, params.bool("transfer_lookup_key") ?? false);
  if (Object.keys(options).length) emu.store.priceCurrencyOptions.set(price.id, options);
  emu.store.prices.set(price.id, price);
  emitEvent(emu, "price.created", price);
  return price;
}

function updatePrice(emu: Emulator, price: Stripe.Price, params: Params): Stripe.Price {
  const options = currencyOptionsFrom(params, price.currency, emu.store.priceCurrencyOptions.get(price.id) ?? {});
  const before = clone(price);
  if (Object.keys(options).length) emu.store.priceCurrencyOptions.set(price.id, options);
  const active = params.bool("active");
  if (active !== undefined) price.active = active;
  const nickname = params.nullableStr("nickname");
  if (nickname !== undefined) price.nickname = nickname;
  const lookupKey = params.nullableStr("lookup_key");
  if (lookupKey !== undefined) assignLookupKey(emu, price, lookupKey, params.bool("transfer_lookup_key") ?? false);
  const taxBehavior = params.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const);
  if (taxBehavior) price.tax_behavior = taxBehavior;
  price.metadata = params.applyMetadata(price.metadata);
  refreshEmbeddedPrice(emu, price);
  emitEvent(emu, "price.updated", price, before);
  return price;
}

/** `currency_options`: the price's own currency and every option set with `currency_options[<currency>]`. */
function currencyOptions(emu: Emulator, price: Stripe.Price): Record<string, Stripe.Price.CurrencyOptions> {
  return {
    [price.currency]: {
      custom_unit_amount: price.custom_unit_amount,
      tax_behavior: price.tax_behavior,
      unit_amount: price.unit_amount,
      unit_amount_decimal: price.unit_amount_decimal,
    },
    ...emu.store.priceCurrencyOptions.get(price.id),
  };
}

export function registerPrices(router: Router): void {
  // Includable fields: per-unit prices have no tiers.
  registerIncludable("price", "tiers", () => []);
  registerIncludable("price", "currency_options", (emu, owner) => {
    const price = emu.store.prices.get(String(owner.id));
    return price ? currencyOptions(emu, price) : {};
  });
  router.post("/v1/prices", ({ emu, params }) => createPrice(emu, params));
  router.get("/v1/prices", ({ emu, params }) => {
    const active = params.bool("active");
    const product = params.str("product");
    const type = params.str("type");
    const currency = params.str("currency");
    const lookupKeys = params.strArray("lookup_keys");
    const interval = params.obj("recurring")?.str("interval");
    const items = newestFirst(emu.store.prices.values()).filter(
      (p) =>
        (active === undefined || p.active === active) &&
        (!product || p.product === product) &&
        (!type || p.type === type) &&
        (!currency || p.currency === currency) &&
        (!lookupKeys || (p.lookup_key !== null && lookupKeys.includes(p.lookup_key))) &&
        (!interval || p.recurring?.interval === interval) &&
        matchesRange(p.created, params, "created"),
    );
    return paginate(items, params, "/v1/prices", "price");
  });
  router.get("/v1/prices/:id", ({ emu, path }) => getPrice(emu, path.id));
  router.post("/v1/prices/:id", ({ emu, path, params }) => updatePrice(emu, getPrice(emu, path.id), params));
}
