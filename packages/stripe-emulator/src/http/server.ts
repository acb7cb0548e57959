import type { IncomingMessage, ServerResponse } from "node:http";
import type { Emulator } from "../emulator";
import { API_VERSION } from "../config";
import { newRequestId } from "../ids";
import { parseForm, Params, type FormRecord } from "./form";
import { authenticationError, StripeApiError, unknownRoute } from "./errors";
import { applyExpansions } from "./expand";
import { fingerprint, lookupIdempotent, shouldStore, storeIdempotent } from "./idempotency";
import type { Router } from "./router";
import { advanceTime } from "../billing/engine";
import { endpointKey, validateExpand, validateParams } from "../schema/validate";
import { requestVersion } from "../versions/versions";
import { endpointExists, expandField, removedEndpoint, renderResponse, upgradeRequest } from "../versions/render";

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

export function sendJson(res: ServerResponse, status: number, body: string, extraHeaders: Record<string, string> = {}): void {
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Stripe-Version": API_VERSION,
    ...extraHeaders,
  });
  res.end(body);
}

function checkAuth(req: IncomingMessage): void {
  const header = req.headers.authorization;
  if (!header) {
    throw authenticationError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  let key = "";
  if (header.startsWith("Bearer ")) key = header.slice(7).trim();
  else if (header.startsWith("Basic ")) key = Buffer.from(header.slice(6), "base64").toString("utf8").split(":")[0];
  if (!/^(sk|rk)_test_\w+/.test(key)) {
    const masked = key.length > 8 ? `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : key;
    throw authenticationError(`Invalid API Key provided: ${masked}`);
  }
}

/**
 * One `/v1/...` call: auth, params (query + form body), catching up time-driven work, idempotent replay,
 * the handler, and `expand[]`. Every response carries a `request-id`.
 */
export async function handleApi(emu: Emulator, router: Router, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const requestId = newRequestId();
  const method = req.method ?? "GET";
  const headers: Record<string, string> = { "request-id": requestId };
  const { latencyMs } = emu.settings;
  if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
  try {
    checkAuth(req);
    // The version the request is validated and answered in (Stripe-Version, else the account default).
    const version = requestVersion(headerValue(req, "stripe-version"));
    headers["Stripe-Version"] = version;
    const rawBody = method === "GET" ? "" : await readBody(req);
    const raw: FormRecord = { ...parseForm(url.search.slice(1)), ...parseForm(rawBody) };
    // An endpoint the client's version had and a later one removed is served by its replacement.
    const legacy = removedEndpoint(version, method, url.pathname);
    const [routeMethod, routePath] = legacy ? legacy.servedBy.split(" ") : [method, url.pathname];
    const match = router.match(routeMethod, routePath);
    if (!match || !endpointExists(version, endpointKey(match.route))) throw unknownRoute(method, url.pathname);
    const idempotencyKey = method === "POST" ? (headerValue(req, "idempotency-key") ?? null) : null;
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const print = fingerprint(method, url.pathname, rawBody);
    if (idempotencyKey) {
      const replay = lookupIdempotent(emu.store, idempotencyKey, print, emu.realNow());
      if (replay) {
        sendJson(res, replay.status, replay.body, { ...headers, "Idempotent-Replayed": "true", "Original-Request": "req_replayed" });
        return;
      }
    }
    let status = 200;
    let body: string;
    try {
      body = emu.withRequest({ id: requestId, idempotencyKey }, () => {
        const endpoint = endpointKey(match.route);
        const current = upgradeRequest(version, endpoint, legacy ? legacyParams(legacy, raw) : raw);
        validateParams(endpoint, current);
        const params = new Params(current);
        const expand = params.expand();
        validateExpand(endpoint, expand, (type, field) => expandField(version, type, field));
        advanceTime(emu, null, emu.realNow());
        const handled = match.handler({ emu, params, path: match.params, method: routeMethod });
        const result = legacy?.select ? (legacy.select(handled as Record<string, unknown>) as object) : handled;
        // Rendered in the request's version first, then expanded in that shape: a path can go through a field only
        // that version has (`latest_invoice.payment_intent` before basil), and each object it brings in is rendered too.
        const rendered = renderResponse(emu, result, version);
        return JSON.stringify(
          applyExpansions(emu, rendered, expand, (object) => renderResponse(emu, object, version)),
          null,
          2,
        );
      });
    } catch (err) {
      if (!(err instanceof StripeApiError)) throw err;
      status = err.statusCode;
      body = JSON.stringify({ error: { ...err.body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } }, null, 2);
    }
    if (idempotencyKey && shouldStore(status)) storeIdempotent(emu.store, idempotencyKey, print, { status, body }, emu.realNow());
    if (method !== "GET") emu.scheduleSave();
    sendJson(res, status, body, headers);
  } catch (err) {
    if (err instanceof StripeApiError) {
      sendJson(res, err.statusCode, JSON.stringify(err.toJSON(), null, 2), headers);
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error("[stripe-emulator] internal error", err);
    sendJson(res, 500, JSON.stringify({ error: { type: "api_error", message: `Emulator internal error: ${message}` } }, null, 2), headers);
  }
}

function legacyParams(legacy: { upgrade: (raw: FormRecord) => void }, raw: FormRecord): FormRecord {
  const copy = JSON.parse(JSON.stringify(raw)) as FormRecord;
  legacy.upgrade(copy);
  return copy;
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
