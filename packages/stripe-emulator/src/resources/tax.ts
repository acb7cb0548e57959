import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { newId } from "../ids";
import { emitEvent } from "../events";
import { clone } from "../json";
import { invalidRequest, parameterMissing, resourceMissing } from "../http/errors";
import { matchesRange, newestFirst, paginate } from "../http/pagination";
import { getCustomer } from "./lookup";
import { AUTOMATIC_RATE_DESCRIPTION } from "../billing/tax";
import { registerIncludable } from "../http/expand";

const TAX_TYPES = [
  "amusement_tax",
  "communications_tax",
  "gst",
  "hst",
  "igst",
  "jct",
  "lease_tax",
  "pst",
  "qst",
  "retail_delivery_fee",
  "rst",
  "sales_tax",
  "service_tax",
  "vat",
] as const;

// ---------------------------------------------------------------------------------------------------------------------
// Tax rates

export function getTaxRate(emu: Emulator, id: string, param = "id"): Stripe.TaxRate {
  const rate = emu.store.taxRates.get(id);
  if (!rate) throw resourceMissing("tax_rate", id, param);
  return rate;
}

/** `tax_rates` / `default_tax_rates` parameters: existing, active tax rates (at most 10 per line, as Stripe allows). */
export function taxRatesFrom(emu: Emulator, ids: string[] | undefined, param: string): Stripe.TaxRate[] | undefined {
  if (ids === undefined) return undefined;
  if (ids.length > 10) throw invalidRequest("You may only specify up to 10 tax rates.", param);
  return ids.map((id, index) => {
    const rate = getTaxRate(emu, id, `${param}[${index}]`);
    if (!rate.active) throw invalidRequest(`Tax rate \`${id}\` is not active. Only active tax rates can be applied.`, `${param}[${index}]`);
    return clone(rate);
  });
}

function applyRateFields(rate: Stripe.TaxRate, params: Params): void {
  const active = params.bool("active");
  if (active !== undefined) rate.active = active;
  for (const key of ["country", "description", "jurisdiction", "state"] as const) {
    const value = params.nullableStr(key);
    if (value !== undefined) rate[key] = value === "" ? null : value;
  }
  const displayName = params.str("display_name");
  if (displayName !== undefined) rate.display_name = displayName;
  const taxType = params.oneOf("tax_type", TAX_TYPES);
  if (taxType) rate.tax_type = taxType;
  rate.metadata = params.applyMetadata(rate.metadata ?? {});
}

function createTaxRate(emu: Emulator, params: Params): Stripe.TaxRate {
  const displayName = params.str("display_name");
  if (!displayName) throw parameterMissing("display_name");
  if (!params.has("inclusive")) throw parameterMissing("inclusive");
  if (!params.has("percentage")) throw parameterMissing("percentage");
  const percentage = Number(params.str("percentage"));
  if (!Number.isFinite(percentage) || percentage < 0 || percentage > 100) {
    throw invalidRequest("Invalid decimal: percentage must be between 0 and 100.", "percentage", "parameter_invalid_decimal");
  }
  const rate: Stripe.TaxRate = {
    id: newId("txr"),
    object: "tax_rate",
    active: true,
    country: null,
    created: emu.realNow(),
    description: null,
    display_name: displayName,
    effective_percentage: percentage,
    flat_amount: null,
    inclusive: params.bool("inclusive") ?? false,
    jurisdiction: null,
    jurisdiction_level: null,
    livemode: false,
    metadata: {},
    percentage,
    rate_type: "percentage",
    state: null,
    tax_type: null,
  };
  applyRateFields(rate, params);
  emu.store.taxRates.set(rate.id, rate);
  emitEvent(emu, "tax_rate.created", rate);
  return rate;
}

// ---------------------------------------------------------------------------------------------------------------------
// Customer tax IDs

const EU_VAT = /^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)[0-9A-Z]{8,12}$/;

/** Format checks for the common types (value normalised: spaces removed, upper case); other types need any value. */
const FORMATS: Record<string, { pattern: RegExp; country: (v: string) => string }> = {
  eu_vat: { pattern: EU_VAT, country: (v) => (v.startsWith("EL") ? "GR" : v.startsWith("XI") ? "GB" : v.slice(0, 2)) },
  gb_vat: { pattern: /^GB(\d{9}|\d{12})$/, country: () => "GB" },
  au_abn: { pattern: /^\d{11}$/, country: () => "AU" },
  nz_gst: { pattern: /^\d{8,9}$/, country: () => "NZ" },
  us_ein: { pattern: /^\d{2}-?\d{7}$/, country: () => "US" },
  ca_bn: { pattern: /^\d{9}$/, country: () => "CA" },
  ca_gst_hst: { pattern: /^\d{9}RT\d{4}$/, country: () => "CA" },
  ch_vat: { pattern: /^CHE-?\d{3}\.?\d{3}\.?\d{3}(MWST|TVA|IVA)$/, country: () => "CH" },
  no_vat: { pattern: /^\d{9}MVA$/, country: () => "NO" },
  in_gst: { pattern: /^\d{2}[A-Z0-9]{10}\d[A-Z0-9]{2}$/, country: () => "IN" },
  jp_cn: { pattern: /^\d{13}$/, country: () => "JP" },
  sg_gst: { pattern: /^[A-Z0-9]{9,10}$/, country: () => "SG" },
};
const TYPE_COUNTRY: Record<string, string> = { za_vat: "ZA", br_cnpj: "BR", mx_rfc: "MX", ae_trn: "AE", sa_vat: "SA", kr_brn: "KR" };

/** A tax ID as Stripe stores it, or Stripe's `tax_id_invalid` for a malformed value. */
export function checkTaxIdValue(type: string, rawValue: string, param = "value"): string {
  const format = FORMATS[type];
  const normalised = rawValue.replace(/\s+/g, "").toUpperCase();
  if (!rawValue.trim() || (format && !format.pattern.test(normalised))) {
    throw invalidRequest(`Invalid value for ${type}.`, param, "tax_id_invalid");
  }
  return format ? normalised : rawValue.trim();
}

export function buildTaxId(emu: Emulator, customer: Stripe.Customer, type: string, rawValue: string, param = "value"): Stripe.TaxId {
  const format = FORMATS[type];
  const value = checkTaxIdValue(type, rawValue, param);
  const normalised = value;
  return {
    id: newId("txi"),
    object: "tax_id",
    country: format ? format.country(normalised) : (TYPE_COUNTRY[type] ?? null),
    created: emu.nowFor(customer.id),
    customer: customer.id,
    customer_account: null,
    livemode: false,
    owner: { type: "customer", customer: customer.id, customer_account: null },
    type: type as Stripe.TaxId.Type,
    value,
    // Emulated: a well-formed ID is `verified` at once (Stripe checks eu_vat/gb_vat/au_abn with the authorities).
    verification: { status: "verified", verified_address: null, verified_name: null },
  };
}

export function addTaxId(emu: Emulator, customer: Stripe.Customer, taxId: Stripe.TaxId): Stripe.TaxId {
  emu.store.taxIds.set(taxId.id, taxId);
  emitEvent(emu, "customer.tax_id.created", taxId);
  return taxId;
}

function customerTaxId(emu: Emulator, customer: Stripe.Customer, id: string): Stripe.TaxId {
  const taxId = emu.store.taxIds.get(id);
  if (!taxId || taxId.customer !== customer.id) throw resourceMissing("tax_id", id);
  return taxId;
}

// ---------------------------------------------------------------------------------------------------------------------
// Shipping rates

export function getShippingRate(emu: Emulator, id: string, param = "id"): Stripe.ShippingRate {
  const rate = emu.store.shippingRates.get(id);
  if (!rate) throw resourceMissing("shipping_rate", id, param);
  return rate;
}

const DELIVERY_UNITS = ["business_day", "day", "hour", "month", "week"] as const;

/** `delivery_estimate[minimum|maximum]`: a `unit` and a positive `value`, each bound optional. */
function deliveryEstimate(p: Params | undefined): Stripe.ShippingRate.DeliveryEstimate | null {
  if (!p) return null;
  const bound = (key: "minimum" | "maximum"): Stripe.ShippingRate.DeliveryEstimate.Minimum | null => {
    const b = p.obj(key);
    if (!b) return null;
    const unit = b.oneOf("unit", DELIVERY_UNITS);
    if (!unit) throw parameterMissing(b.name("unit"));
    const value = b.int("value");
    if (value === undefined) throw parameterMissing(b.name("value"));
    if (value < 1) throw invalidRequest("This value must be greater than or equal to 1.", b.name("value"), "parameter_invalid_integer");
    return { unit, value };
  };
  return { maximum: bound("maximum"), minimum: bound("minimum") };
}

export function createShippingRate(emu: Emulator, params: Params): Stripe.ShippingRate {
  const displayName = params.str("display_name");
  if (!displayName) throw parameterMissing(params.name("display_name"));
  const fixed = params.obj("fixed_amount");
  if (!fixed) throw parameterMissing(params.name("fixed_amount"));
  const amount = fixed.int("amount");
  if (amount === undefined) throw parameterMissing(fixed.name("amount"));
  const rate: Stripe.ShippingRate = {
    id: newId("shr"),
    object: "shipping_rate",
    active: true,
    created: emu.realNow(),
    delivery_estimate: deliveryEstimate(params.obj("delivery_estimate")),
    display_name: displayName,
    fixed_amount: { amount, currency: fixed.requiredStr("currency").toLowerCase() },
    livemode: false,
    metadata: params.applyMetadata({}),
    tax_behavior: params.oneOf("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const) ?? "unspecified",
    tax_code: null,
    type: "fixed_amount",
  };
  emu.store.shippingRates.set(rate.id, rate);
  return rate;
}

export function registerTax(router: Router): void {
  // Includable: the customer's tax IDs (`expand: ['tax_ids']` on a customer).
  registerIncludable("customer", "tax_ids", (emu, owner) => ({
    object: "list",
    data: newestFirst(emu.store.taxIds.values()).filter((t) => t.customer === owner.id),
    has_more: false,
    url: `/v1/customers/${String(owner.id)}/tax_ids`,
  }));
  router.post("/v1/tax_rates", ({ emu, params }) => createTaxRate(emu, params));
  router.get("/v1/tax_rates", ({ emu, params }) => {
    const active = params.bool("active");
    const inclusive = params.bool("inclusive");
    const items = newestFirst(emu.store.taxRates.values()).filter(
      (r) =>
        r.description !== AUTOMATIC_RATE_DESCRIPTION &&
        (active === undefined || r.active === active) &&
        (inclusive === undefined || r.inclusive === inclusive) &&
        matchesRange(r.created, params, "created"),
    );
    return paginate(items, params, "/v1/tax_rates", "tax rate");
  });
  router.get("/v1/tax_rates/:id", ({ emu, path }) => getTaxRate(emu, path.id));
  router.post("/v1/tax_rates/:id", ({ emu, path, params }) => {
    const rate = getTaxRate(emu, path.id);
    const before = clone(rate);
    applyRateFields(rate, params);
    emitEvent(emu, "tax_rate.updated", rate, before);
    return rate;
  });

  router.post("/v1/customers/:id/tax_ids", ({ emu, path, params }) => {
    const customer = getCustomer(emu, path.id);
    const type = params.str("type");
    if (!type) throw parameterMissing("type");
    return addTaxId(emu, customer, buildTaxId(emu, customer, type, params.requiredStr("value")));
  });
  router.get("/v1/customers/:id/tax_ids", ({ emu, path, params }) => {
    const customer = getCustomer(emu, path.id);
    const items = newestFirst(emu.store.taxIds.values()).filter((t) => t.customer === customer.id);
    return paginate(items, params, `/v1/customers/${customer.id}/tax_ids`, "tax id");
  });
  router.get("/v1/customers/:id/tax_ids/:tid", ({ emu, path }) => customerTaxId(emu, getCustomer(emu, path.id), path.tid));
  router.delete("/v1/customers/:id/tax_ids/:tid", ({ emu, path }) => {
    const taxId = customerTaxId(emu, getCustomer(emu, path.id), path.tid);
    emu.store.taxIds.delete(taxId.id);
    emitEvent(emu, "customer.tax_id.deleted", taxId);
    const deleted: Stripe.DeletedTaxId = { id: taxId.id, object: "tax_id", deleted: true };
    return deleted;
  });

  router.post("/v1/shipping_rates", ({ emu, params }) => createShippingRate(emu, params));
  router.get("/v1/shipping_rates", ({ emu, params }) => {
    const active = params.bool("active");
    const items = newestFirst(emu.store.shippingRates.values()).filter((r) => active === undefined || r.active === active);
    return paginate(items, params, "/v1/shipping_rates", "shipping rate");
  });
  router.get("/v1/shipping_rates/:id", ({ emu, path }) => getShippingRate(emu, path.id));
  router.post("/v1/shipping_rates/:id", ({ emu, path, params }) => {
    const rate = getShippingRate(emu, path.id);
    const active = params.bool("active");
    if (active !== undefined) rate.active = active;
    rate.metadata = params.applyMetadata(rate.metadata);
    return rate;
  });
}
