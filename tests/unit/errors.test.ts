import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { AppError, ERROR_CODES } from "@/lib/errors";
import { HTTP_STATUS } from "@/lib/http/errors";
import { jsonError } from "@/lib/http/route";
import { stripeAppError } from "@/lib/stripe/errors";

describe("error codes", () => {
  it("give every code exactly one HTTP status, and nothing else", () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...ERROR_CODES].sort());
    for (const status of Object.values(HTTP_STATUS)) expect(status).toBeGreaterThanOrEqual(400);
  });

  it("answer {error, message, ...details} with the table's status; details cannot override the code", async () => {
    const response = jsonError(new AppError("quota_exceeded", "Over the limit.", { error: "spoofed", meter: "api_calls" }));
    expect(response.status).toBe(402);
    expect(await response.json()).toEqual({ error: "quota_exceeded", message: "Over the limit.", meter: "api_calls" });
  });
});

describe("Stripe SDK errors", () => {
  const raw = { message: "boom" };

  it("map by the error's type, so a copy of the SDK bundled in another chunk maps the same", () => {
    // What an error from a second copy of the `stripe` module looks like to this one: same fields,
    // different class identity.
    const foreign = Object.assign(new Error("connect ECONNREFUSED"), { type: "StripeConnectionError", rawType: undefined });
    expect(foreign instanceof Stripe.errors.StripeError).toBe(false);
    expect(stripeAppError(foreign)?.code).toBe("payments_unavailable");
  });

  it("map each SDK class to its code", () => {
    expect(stripeAppError(new Stripe.errors.StripeConnectionError(raw))?.code).toBe("payments_unavailable");
    expect(stripeAppError(new Stripe.errors.StripeAPIError(raw))?.code).toBe("payments_unavailable");
    expect(stripeAppError(new Stripe.errors.StripeRateLimitError(raw))?.code).toBe("payments_busy");
    expect(stripeAppError(new Stripe.errors.StripeInvalidRequestError(raw))?.code).toBe("payments_error");
    const card = stripeAppError(new Stripe.errors.StripeCardError({ message: "Your card was declined.", decline_code: "generic_decline" }));
    expect(card?.code).toBe("card_error");
    expect(card?.details).toEqual({ decline_code: "generic_decline" });
  });

  it("leave everything else alone", () => {
    expect(stripeAppError(new Error("x"))).toBeNull();
    expect(stripeAppError({ type: "card_error" })).toBeNull();
    expect(stripeAppError(null)).toBeNull();
  });
});
