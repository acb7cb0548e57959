import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { newId } from "../ids";
import { emitEvent } from "../events";
import { clone } from "../json";
import { invalidRequest } from "../http/errors";
import { matchesRange, newestFirst, paginate } from "../http/pagination";
import { getProduct } from "./lookup";
import { createPrice } from "./prices";

function marketingFeatures(params: Params): Stripe.Product.MarketingFeature[] | undefined {
  if (params.isEmpty("marketing_features")) return [];
  return params.objArray("marketing_features")?.map((f) => ({ name: f.requiredStr("name") }));
}

function createProduct(emu: Emulator, params: Params): Stripe.Product {
  const now = emu.realNow();
  const id = params.str("id") ?? newId("prod", 14);
  if (emu.store.products.has(id)) throw invalidRequest(`Product already exists.`, "id", "resource_already_exists");
  const product: Stripe.Product = {
    id,
    object: "product",
    active: params.bool("active") ?? true,
    created: now,
    default_price: null,
    description: params.str("description") ?? null,
    images: params.strArray("images") ?? [],
    livemode: false,
    marketing_features: marketingFeatures(params) ?? [],
    metadata: params.applyMetadata({}),
    name: params.requiredStr("name"),
    package_dimensions: null,
    shippable: null,
    statement_descriptor: params.str("statement_descriptor") ?? null,
    tax_code: params.str("tax_code") ?? null,
    tax_details: null,
    type: "service",
    unit_label: params.str("unit_label") ?? null,
    updated: now,
    url: params.str("url") ?? null,
  };
  emu.store.products.set(product.id, product);
  emitEvent(emu, "product.created", product);
  const defaultPriceData = params.obj("default_price_data");
  if (defaultPriceData) {
    const price = createPrice(emu, defaultPriceData, product.id);
    product.default_price = price.id;
  }
  return product;
}

function updateProduct(emu: Emulator, product: Stripe.Product, params: Params): Stripe.Product {
  const before = clone(product);
  if (params.has("name")) product.name = params.requiredStr("name");
  const active = params.bool("active");
  if (active !== undefined) product.active = active;
  for (const key of ["description", "url", "unit_label", "statement_descriptor"] as const) {
    const value = params.nullableStr(key);
    if (value !== undefined) product[key] = value;
  }
  const defaultPrice = params.nullableStr("default_price");
  if (defaultPrice !== undefined) {
    if (defaultPrice !== null) {
      const price = emu.store.prices.get(defaultPrice);
      if (!price || price.product !== product.id)
        throw invalidRequest(`No such price: '${defaultPrice}'`, "default_price", "resource_missing");
    }
    product.default_price = defaultPrice;
  }
  const images = params.strArray("images");
  if (images) product.images = images;
  const features = marketingFeatures(params);
  if (features) product.marketing_features = features;
  product.metadata = params.applyMetadata(product.metadata);
  product.updated = emu.realNow();
  emitEvent(emu, "product.updated", product, before);
  return product;
}

export function registerProducts(router: Router): void {
  router.post("/v1/products", ({ emu, params }) => createProduct(emu, params));
  router.get("/v1/products", ({ emu, params }) => {
    const active = params.bool("active");
    const ids = params.strArray("ids");
    const items = newestFirst(emu.store.products.values()).filter(
      (p) => (active === undefined || p.active === active) && (!ids || ids.includes(p.id)) && matchesRange(p.created, params, "created"),
    );
    return paginate(items, params, "/v1/products", "product");
  });
  router.get("/v1/products/:id", ({ emu, path }) => getProduct(emu, path.id));
  router.post("/v1/products/:id", ({ emu, path, params }) => updateProduct(emu, getProduct(emu, path.id), params));
  router.delete("/v1/products/:id", ({ emu, path }) => {
    const product = getProduct(emu, path.id);
    if ([...emu.store.prices.values()].some((p) => p.product === product.id)) {
      throw invalidRequest(
        "This product cannot be deleted because it has one or more user-created prices.",
        undefined,
        "product_has_prices",
      );
    }
    emu.store.products.delete(product.id);
    emu.store.deletedProducts.add(product.id);
    emitEvent(emu, "product.deleted", product);
    const deleted: Stripe.DeletedProduct = { id: product.id, object: "product", deleted: true };
    return deleted;
  });
}
