import "server-only";
import { NextRequest, NextResponse } from "next/server";
import type Stripe from "stripe";
import { z } from "zod";
import { databaseAppError } from "./database-outage";
import { logger } from "@/lib/logger";
import { withRequestContext } from "@/lib/request-context";
import { AppError, badRequest } from "@/lib/errors";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPath } from "@/lib/input-rules";
import { stripeAppError } from "@/lib/stripe/errors";
import { authenticateAccess, type Access, type Principal } from "./access";
import { readBodyWithLimit } from "./body";
import { API_CACHE_CONTROL, SMALL_API_CACHE_CONTROL, revalidatingCacheControl } from "./cache-control";
import { httpStatus } from "./errors";
import { assertContentType, assertSameOrigin, isStateChanging } from "./origin";
import { clientIp, consumeRateLimit, type RateLimitName } from "./rate-limit";

/** Default body limit of JSON routes: their inputs are a few fields. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024;

/**
 * What a route declares about itself. The authorization test reads these declarations from every
 * route.ts under app/ and fails for a handler that was not built with `route()`.
 */
export interface RouteSpec<A extends Access = Access, S extends z.ZodType | undefined = z.ZodType | undefined> {
  /** Who may call it: see lib/http/access.ts. */
  access: A;
  /** zod schema of the JSON body; the parsed value is `ctx.body`. */
  body?: S;
  /**
   * What a state-changing request must send: `json` (default; a cross-site form cannot send it
   * without a preflight), `form` (next-auth's own endpoints, which carry their own CSRF token) or
   * `raw` (machine callers such as Stripe, whose signature covers the raw body).
   */
  accepts?: "json" | "form" | "raw";
  /** Bodies above this are refused with 413 without being buffered. */
  maxBodyBytes?: number;
  /** A policy from lib/http/rate-limit.ts, counted per client IP and per account. */
  rateLimit?: RateLimitName;
  /**
   * `no-store` (the default): nothing may keep the answer. `revalidate`: a successful answer carries
   * an ETag the caller may keep privately and must check on every use (`private, no-cache`, see
   * lib/http/etag.ts); errors are still `no-store`.
   */
  cache?: "no-store" | "revalidate";
}

/** Browser-facing routes (session cookies) get the same-origin check; secret-bearing callers do not. */
export const usesOriginPolicy = (access: Access) =>
  access === "public" || access === "user" || access === "user-or-key" || access === "admin";

export interface RouteContext<A extends Access, Body> {
  request: NextRequest;
  /** The signed-in user on `user`, `user-or-key` and `admin` routes; null on every other kind of route. */
  user: A extends "user" | "user-or-key" | "admin" ? Principal["user"] & object : Principal["user"];
  /** The API key a `user-or-key` route was called with (null for a session). */
  apiKeyId: string | null;
  /** The account of that API key (null for a session): see lib/accounts/access.ts. */
  apiKeyAccountId: string | null;
  body: Body;
  /** The body as received (state-changing routes), e.g. for signature checks. */
  rawBody: string;
  /** The verified event on `stripe-signature` routes. */
  stripeEvent: A extends "stripe-signature" ? Stripe.Event : null;
  params: Promise<Record<string, string | string[] | undefined>>;
}

type NextContext = { params: Promise<Record<string, string | string[] | undefined>> };
export type RouteHandler = ((request: Request, context?: NextContext) => Promise<Response>) & { spec: RouteSpec };

/** `{error: code, message, ...details}` with the status the code maps to. */
export function jsonError(error: AppError, headers?: HeadersInit): NextResponse {
  const response = NextResponse.json(
    { ...error.details, error: error.code, message: error.message },
    { status: httpStatus(error.code), headers },
  );
  const retryAfter = error.details.retryAfterSeconds;
  if (typeof retryAfter === "number") response.headers.set("Retry-After", String(retryAfter));
  return response;
}

/** Turns anything thrown by a handler into the JSON error response the client sees; never leaks internals. */
export function errorResponse(error: unknown): NextResponse {
  if (error instanceof AppError) return jsonError(error);
  const databaseError = databaseAppError(error);
  if (databaseError) {
    logger.warn({ err: error }, "database unavailable");
    return jsonError(databaseError);
  }
  const stripeError = stripeAppError(error);
  if (stripeError) {
    logger.warn({ err: error }, "payment provider error");
    return jsonError(stripeError);
  }
  logger.error({ err: error }, "unhandled route error");
  return jsonError(new AppError("internal_error", "Something went wrong. Please try again."));
}

/**
 * Below this many bytes an answer is not worth compressing: the `compression` middleware's own
 * threshold. Next cannot apply it (it drops Content-Length and streams every route answer), so it
 * gzipped every API answer however small: a fresh zlib stream per response, which halved the
 * request rate of a small JSON route.
 */
const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * API answers are per-user and must never be stored by a browser or a shared cache (`no-store`).
 * A small answer is also marked `no-transform`, which the compression middleware honours, so it is
 * sent as it is; larger ones (lists, histories) are still compressed.
 */
async function finishApiResponse(response: Response, cache: RouteSpec["cache"] = "no-store"): Promise<Response> {
  const body = response.body ? await response.arrayBuffer() : null;
  const headers = new Headers(response.headers);
  const small = body === null || body.byteLength < COMPRESSION_THRESHOLD_BYTES;
  const revalidate = cache === "revalidate" && (response.ok || response.status === 304);
  headers.set("Cache-Control", revalidate ? revalidatingCacheControl(small) : small ? SMALL_API_CACHE_CONTROL : API_CACHE_CONTROL);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Declares a route: who may call it, what it accepts, how much, and how often, then runs the
 * handler with the authenticated principal and the parsed body. Order of checks: origin and content
 * type (cheap, before anything else), the per-IP budget, authentication, the per-account budget,
 * then the body (read up to its limit). Thrown AppErrors and Stripe SDK errors become JSON
 * responses with the status their code maps to; anything else is a logged 500 without internals.
 */
export function route<A extends Access, S extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<A, S>,
  handler: (ctx: RouteContext<A, S extends z.ZodType ? z.infer<S> : undefined>) => Promise<Response>,
): RouteHandler {
  const run = (incoming: Request, context?: NextContext): Promise<Response> =>
    withRequestContext(incoming, async () => {
      const request = incoming instanceof NextRequest ? incoming : new NextRequest(incoming);
      let bodyRead = false;
      try {
        const writes = isStateChanging(request.method);
        const accepts = spec.accepts ?? "json";
        if (writes && usesOriginPolicy(spec.access)) assertSameOrigin(request);
        // A declared content type is checked before anything is read; a body without one, once read.
        // A bodiless action (revoke a key, sync a customer) has nothing to type: the origin check covers it.
        const typed = writes && accepts !== "raw";
        if (typed && request.headers.has("content-type")) assertContentType(request, accepts);
        if (spec.rateLimit) await consumeRateLimit(spec.rateLimit, "ip", clientIp(request.headers));
        const rawBody = writes ? await readBodyWithLimit(request, spec.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : "";
        bodyRead = true;
        if (typed && rawBody.length > 0) assertContentType(request, accepts);
        const principal = await authenticateAccess(spec.access, request, rawBody);
        if (spec.rateLimit && principal.user) {
          await consumeRateLimit(spec.rateLimit, "account", principal.apiKeyAccountId ?? principal.user.id);
        }
        const body = spec.body ? parseJsonText(rawBody, spec.body) : undefined;
        const response = await handler({
          request,
          user: principal.user as RouteContext<A, never>["user"],
          apiKeyId: principal.apiKeyId,
          apiKeyAccountId: principal.apiKeyAccountId,
          body: body as S extends z.ZodType ? z.infer<S> : undefined,
          rawBody,
          stripeEvent: principal.stripeEvent as RouteContext<A, never>["stripeEvent"],
          params: context?.params ?? Promise.resolve({}),
        });
        return await finishApiResponse(response, spec.cache);
      } catch (error) {
        const response = errorResponse(error);
        // Refused before its body was read (413, 415, 403, 429, …): the rest of that body is still on
        // the wire, so this connection cannot carry another request. Saying so lets a keep-alive
        // client open a new one instead of having its next request reset.
        if (!bodyRead && hasBody(request)) response.headers.set("Connection", "close");
        return finishApiResponse(response);
      }
    });
  return Object.assign(run, { spec: spec as RouteSpec });
}

/** Whether a request came with a body (declared length above zero, or chunked). */
const hasBody = (request: Request) => request.headers.has("transfer-encoding") || Number(request.headers.get("content-length") ?? 0) > 0;

/** Parses JSON text with a zod schema; malformed JSON or invalid fields are a 400 naming the problem. */
export function parseJsonText<T extends z.ZodType>(text: string, schema: T): z.infer<T> {
  let body: unknown;
  try {
    body = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw badRequest("The request body must be valid JSON.");
  }
  return parseInput(body, schema);
}

/**
 * Validates already-decoded input (a body or query parameters) with a zod schema: 400 naming the
 * field. Any string Postgres could not store (a NUL, an unpaired surrogate) is refused first, whatever
 * the schema says.
 */
export function parseInput<T extends z.ZodType>(input: unknown, schema: T): z.infer<T> {
  const unstorable = unstorableTextPath(input);
  if (unstorable !== null) throw badRequest(`${unstorable}: ${UNSTORABLE_TEXT_MESSAGE}`, { field: unstorable });
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join(".") || undefined;
    throw badRequest(field ? `${field}: ${issue?.message}` : (issue?.message ?? "Invalid request."), {
      field,
      issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return result.data;
}
