import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import { newId } from "../ids";
import { invalidRequest, parameterMissing, resourceMissing } from "../http/errors";
import { newestFirst, paginate } from "../http/pagination";
import { newWebhookSecret } from "../webhooks/signing";
import { API_VERSION } from "../config";
import { isApiVersion, unknownVersionError } from "../versions/versions";

function getEndpoint(emu: Emulator, id: string): Stripe.WebhookEndpoint {
  const endpoint = emu.store.webhookEndpoints.get(id);
  if (!endpoint) throw resourceMissing("webhook endpoint", id);
  return endpoint;
}

function validUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:";
  } catch {
    return false;
  }
}

/** Responses other than create omit the secret, like Stripe. */
function withoutSecret(endpoint: Stripe.WebhookEndpoint): Stripe.WebhookEndpoint {
  const { secret: _secret, ...rest } = endpoint;
  void _secret;
  return rest;
}

export function registerWebhookEndpoints(router: Router): void {
  router.post("/v1/webhook_endpoints", ({ emu, params }) => {
    const url = params.requiredStr("url");
    if (!validUrl(url)) throw invalidRequest("Invalid URL: URL must be an http(s) URL.", "url", "url_invalid");
    const enabled = params.strArray("enabled_events");
    if (!enabled || enabled.length === 0) throw parameterMissing("enabled_events");
    const apiVersion = params.str("api_version") ?? API_VERSION;
    if (!isApiVersion(apiVersion)) throw unknownVersionError(apiVersion, "api_version");
    const endpoint: Stripe.WebhookEndpoint = {
      id: newId("we"),
      object: "webhook_endpoint",
      api_version: apiVersion,
      application: null,
      created: emu.realNow(),
      description: params.str("description") ?? null,
      enabled_events: enabled,
      livemode: false,
      metadata: params.applyMetadata({}),
      secret: newWebhookSecret(),
      status: "enabled",
      url,
    };
    emu.store.webhookEndpoints.set(endpoint.id, endpoint);
    return endpoint;
  });
  router.get("/v1/webhook_endpoints", ({ emu, params }) =>
    paginate(newestFirst(emu.store.webhookEndpoints.values()).map(withoutSecret), params, "/v1/webhook_endpoints", "webhook endpoint"),
  );
  router.get("/v1/webhook_endpoints/:id", ({ emu, path }) => withoutSecret(getEndpoint(emu, path.id)));
  router.post("/v1/webhook_endpoints/:id", ({ emu, path, params }) => {
    const endpoint = getEndpoint(emu, path.id);
    const url = params.str("url");
    if (url !== undefined) {
      if (!validUrl(url)) throw invalidRequest("Invalid URL: URL must be an http(s) URL.", "url", "url_invalid");
      endpoint.url = url;
    }
    const enabled = params.strArray("enabled_events");
    if (enabled) endpoint.enabled_events = enabled;
    const disabled = params.bool("disabled");
    if (disabled !== undefined) endpoint.status = disabled ? "disabled" : "enabled";
    const description = params.nullableStr("description");
    if (description !== undefined) endpoint.description = description;
    endpoint.metadata = params.applyMetadata(endpoint.metadata);
    return withoutSecret(endpoint);
  });
  router.delete("/v1/webhook_endpoints/:id", ({ emu, path }) => {
    const endpoint = getEndpoint(emu, path.id);
    emu.store.webhookEndpoints.delete(endpoint.id);
    const deleted: Stripe.DeletedWebhookEndpoint = { id: endpoint.id, object: "webhook_endpoint", deleted: true };
    return deleted;
  });
}
