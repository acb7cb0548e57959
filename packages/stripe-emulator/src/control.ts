import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { Emulator } from "./emulator";
import { readBody, sendJson } from "./http/server";
import { StripeApiError, invalidRequest, resourceMissing } from "./http/errors";
import { completeCheckoutSession } from "./billing/checkout";
import { getSession } from "./resources/checkout-sessions";
import { isApiVersion } from "./versions/versions";

const configSchema = z.object({
  webhookUrl: z.string().url().nullable().optional(),
  webhookSecret: z.string().min(1).optional(),
  chaos: z.object({ outOfOrder: z.boolean().optional(), duplicate: z.boolean().optional(), concurrent: z.boolean().optional() }).optional(),
  deliveryPaused: z.boolean().optional(),
  testMode: z.boolean().optional(),
  failedPayments: z
    .object({
      retryDays: z.array(z.number().positive()).max(20).optional(),
      subscriptionStatus: z.enum(["cancel", "unpaid", "past_due"]).optional(),
      invoiceStatus: z.enum(["open", "uncollectible"]).optional(),
    })
    .optional(),
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  retryBaseMs: z.number().int().min(1).max(3_600_000).nullable().optional(),
  businessName: z.string().trim().min(1).max(100).optional(),
  webhookApiVersion: z.string().refine(isApiVersion, "an API version the emulator knows").optional(),
});

const addressSchema = z
  .object({ line1: z.string(), line2: z.string(), city: z.string(), postal_code: z.string(), state: z.string(), country: z.string() })
  .partial();

const completeSchema = z.object({
  card: z.string().min(1),
  email: z.string().optional(),
  name: z.string().optional(),
  authentication: z.enum(["complete", "fail"]).optional(),
  address: addressSchema.optional(),
  shipping: z.object({ name: z.string().optional(), address: addressSchema.optional() }).optional(),
  taxId: z.object({ type: z.string().min(1), value: z.string() }).optional(),
  businessName: z.string().optional(),
  shippingRate: z.string().optional(),
});

function publicSettings(emu: Emulator) {
  return { ...emu.settings };
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  if (!raw.trim()) return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw invalidRequest("Request body must be JSON.");
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw invalidRequest(`Invalid body: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return result.data;
}

/** Test/dev control surface under `/_emulator/*` (no auth). */
export async function handleControl(emu: Emulator, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? "GET";
  const path = url.pathname;
  try {
    if (method === "POST" && path === "/_emulator/reset") {
      emu.reset();
      return sendJson(res, 200, JSON.stringify({ ok: true }));
    }
    if (method === "GET" && path === "/_emulator/deliveries") {
      return sendJson(res, 200, JSON.stringify({ object: "list", data: emu.delivery.log }, null, 2));
    }
    if (method === "POST" && path === "/_emulator/flush") {
      await emu.delivery.flush();
      return sendJson(res, 200, JSON.stringify({ ok: true, deliveries: emu.delivery.log.length }));
    }
    if (path === "/_emulator/config") {
      if (method === "POST") {
        const body = parse(configSchema, await jsonBody(req));
        if (body.webhookUrl !== undefined) emu.settings.webhookUrl = body.webhookUrl;
        if (body.webhookSecret !== undefined) emu.settings.webhookSecret = body.webhookSecret;
        if (body.chaos) emu.settings.chaos = { ...emu.settings.chaos, ...body.chaos };
        if (body.testMode !== undefined) emu.settings.testMode = body.testMode;
        if (body.failedPayments) {
          const retryDays = body.failedPayments.retryDays ? [...body.failedPayments.retryDays].sort((a, b) => a - b) : undefined;
          emu.settings.failedPayments = { ...emu.settings.failedPayments, ...body.failedPayments, ...(retryDays ? { retryDays } : {}) };
        }
        if (body.latencyMs !== undefined) emu.settings.latencyMs = body.latencyMs;
        if (body.retryBaseMs !== undefined) emu.settings.retryBaseMs = body.retryBaseMs;
        if (body.businessName !== undefined) emu.settings.businessName = body.businessName;
        if (body.webhookApiVersion !== undefined && isApiVersion(body.webhookApiVersion))
          emu.settings.webhookApiVersion = body.webhookApiVersion;
        if (body.deliveryPaused !== undefined) {
          emu.settings.deliveryPaused = body.deliveryPaused;
          if (!body.deliveryPaused) emu.delivery.resume();
        }
      }
      return sendJson(res, 200, JSON.stringify(publicSettings(emu), null, 2));
    }
    const complete = /^\/_emulator\/checkout\/sessions\/([^/]+)\/complete$/.exec(path);
    if (method === "POST" && complete) {
      const body = parse(completeSchema, await jsonBody(req));
      const session = getSession(emu, decodeURIComponent(complete[1]));
      const { address, shipping, taxId, businessName, shippingRate, ...payment } = body;
      const details = { address, shipping, taxId, businessName, shippingRate };
      const result = emu.withRequest({ id: null, idempotencyKey: null }, () =>
        completeCheckoutSession(emu, session, { ...payment, details, authentication: body.authentication ?? "complete" }),
      );
      if (result.status !== "complete") throw invalidRequest("This card requires authentication.", "card", "authentication_required");
      return sendJson(res, 200, JSON.stringify(result.session, null, 2));
    }
    if (method === "GET" && path === "/_emulator/health") return sendJson(res, 200, JSON.stringify({ ok: true }));
    throw resourceMissing("emulator route", path, "path");
  } catch (err) {
    if (err instanceof StripeApiError) return sendJson(res, err.statusCode, JSON.stringify(err.toJSON(), null, 2));
    throw err;
  }
}
