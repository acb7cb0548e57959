/**
 * Embedded Checkout: sessions with `ui_mode: embedded_page` (client secret, `return_url`, no URL), the Stripe.js
 * stand-in at `GET /v3` that `loadStripe` picks up, and the framed Checkout page that reports its completion.
 */
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPlan, startTestEmulator, type Plan, type TestEmulator } from "./helpers";

let env: TestEmulator;
let plan: Plan;

beforeAll(async () => {
  env = await startTestEmulator();
  plan = await createPlan(env.stripe, "Embedded", 2500);
});
afterAll(async () => env?.stop());

const RETURN_URL = "http://app.example.test/billing/success?session_id={CHECKOUT_SESSION_ID}";

async function refusal(call: Promise<unknown>): Promise<{ statusCode?: number; code?: string; param?: string; message: string }> {
  try {
    await call;
  } catch (err) {
    return err as { statusCode?: number; code?: string; param?: string; message: string };
  }
  throw new Error("expected the call to be refused");
}

const embeddedSession = () =>
  env.stripe.checkout.sessions.create({
    mode: "subscription",
    ui_mode: "embedded_page",
    line_items: [{ price: plan.monthly.id, quantity: 1 }],
    return_url: RETURN_URL,
  });

describe("Embedded Checkout sessions", () => {
  it("have a client secret and a return_url, no URL; success_url, cancel_url or a missing return_url are refused", async () => {
    const session = await embeddedSession();
    expect(session).toMatchObject({
      ui_mode: "embedded_page",
      url: null,
      success_url: null,
      cancel_url: null,
      return_url: RETURN_URL,
      status: "open",
    });
    expect(session.client_secret).toMatch(new RegExp(`^${session.id}_secret_[A-Za-z0-9]+$`));

    const before = (await env.stripe.checkout.sessions.list({ limit: 100 })).data.length;
    const base = { mode: "subscription" as const, line_items: [{ price: plan.monthly.id, quantity: 1 }] };
    const withSuccess = await refusal(
      env.stripe.checkout.sessions.create({ ...base, ui_mode: "embedded_page", return_url: RETURN_URL, success_url: "http://x.test/ok" }),
    );
    expect(withSuccess).toMatchObject({ statusCode: 400, param: "success_url" });
    const withCancel = await refusal(
      env.stripe.checkout.sessions.create({ ...base, ui_mode: "embedded_page", return_url: RETURN_URL, cancel_url: "http://x.test/no" }),
    );
    expect(withCancel).toMatchObject({ statusCode: 400, param: "cancel_url" });
    const noReturn = await refusal(env.stripe.checkout.sessions.create({ ...base, ui_mode: "embedded_page" }));
    expect(noReturn).toMatchObject({ statusCode: 400, param: "return_url", code: "parameter_missing" });
    const hostedReturn = await refusal(
      env.stripe.checkout.sessions.create({ ...base, success_url: "http://x.test/ok", return_url: RETURN_URL }),
    );
    expect(hostedReturn).toMatchObject({ statusCode: 400, param: "return_url" });
    expect((await env.stripe.checkout.sessions.list({ limit: 100 })).data.length).toBe(before);
  });

  it("the framed page reports its height to the embedding page, then, once paid, its completion with the return URL", async () => {
    const session = await embeddedSession();
    const framed = await fetch(`${env.handle.url}/checkout/${session.id}?embedded=1`);
    expect(framed.status).toBe(200);
    const form = await framed.text();
    expect(form).toContain("stripe-emulator:embedded-checkout:resize");
    // Messages go only to the return URL's origin; a hosted page's cancel link has no place here.
    expect(form).toContain('"http://app.example.test"');
    expect(form).not.toContain("embedded-checkout:complete");
    expect(form).not.toContain("Cancel and return");

    const pay = await fetch(`${env.handle.url}/checkout/${session.id}/pay`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ card_number: "4242 4242 4242 4242", name: "Embedded Payer" }).toString(),
      redirect: "manual",
    });
    expect(pay.status).toBe(303);
    expect(pay.headers.get("location")).toBe(`/checkout/${session.id}`);
    const done = await (await fetch(`${env.handle.url}/checkout/${session.id}`)).text();
    const returnUrl = `http://app.example.test/billing/success?session_id=${session.id}`;
    expect(done).toContain(JSON.stringify({ type: "stripe-emulator:embedded-checkout:complete", session: session.id, returnUrl }));
    expect(done).toContain(`href="${returnUrl}" target="_top"`);
    const completed = await env.stripe.checkout.sessions.retrieve(session.id);
    expect(completed.status).toBe("complete");
    expect(completed.subscription).toMatch(/^sub_/);
  });
});

describe("the Stripe.js stand-in at GET /v3", () => {
  /** Runs the served script in a bare window and document, as a browser would with `<script src=".../v3">`. */
  async function loadStandIn() {
    const res = await fetch(`${env.handle.url}/v3`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    const listeners: Array<(event: unknown) => void> = [];
    const assigned: string[] = [];
    const container = {
      children: [] as Array<Record<string, unknown>>,
      appendChild(child: Record<string, unknown>) {
        this.children.push(child);
        child.parentNode = this;
      },
      removeChild(child: unknown) {
        this.children = this.children.filter((c) => c !== child);
      },
    };
    const window: Record<string, unknown> = {
      addEventListener: (type: string, fn: (event: unknown) => void) => type === "message" && listeners.push(fn),
      removeEventListener: () => undefined,
      location: { assign: (url: string) => assigned.push(url) },
    };
    const document = {
      currentScript: { src: `${env.handle.url}/v3` },
      querySelector: (selector: string) => (selector === "#checkout" ? container : null),
      createElement: () => ({ style: {}, contentWindow: {}, setAttribute() {} }),
    };
    runInNewContext(await res.text(), { window, document, URL, Promise, Error });
    return {
      Stripe: window.Stripe as (key: string) => Record<string, (options: unknown) => Promise<Record<string, (arg?: unknown) => void>>>,
      container,
      listeners,
      assigned,
    };
  }

  it("defines window.Stripe (release train endive): Embedded Checkout mounts the session’s page in an iframe and follows it to the return URL", async () => {
    const { Stripe, container, listeners, assigned } = await loadStandIn();
    expect((Stripe as unknown as { version: string }).version).toBe("endive");
    expect(() => Stripe("sk_test_not_publishable")).toThrow(/publishable key/);
    const stripe = Stripe("pk_test_emulator");
    const session = await embeddedSession();

    await expect(stripe.createEmbeddedCheckoutPage({ clientSecret: "cs_test_nope" })).rejects.toThrow(/client secret/);
    const checkout = await stripe.createEmbeddedCheckoutPage({ fetchClientSecret: async () => session.client_secret });
    // One at a time, as with Stripe.js.
    await expect(stripe.createEmbeddedCheckoutPage({ clientSecret: session.client_secret })).rejects.toThrow(/multiple Embedded Checkout/);
    checkout.mount("#checkout");
    const frame = container.children[0] as { src: string; contentWindow: unknown; title: string };
    expect(frame.src).toBe(`${env.handle.url}/checkout/${session.id}?embedded=1`);
    expect(frame.title).toBe("Secure checkout");

    const returnUrl = `http://app.example.test/billing/success?session_id=${session.id}`;
    const complete = { type: "stripe-emulator:embedded-checkout:complete", session: session.id, returnUrl };
    // Only the session's own frame, from the emulator's origin, is listened to.
    listeners.forEach((fn) => fn({ source: {}, origin: env.handle.url, data: complete }));
    listeners.forEach((fn) => fn({ source: frame.contentWindow, origin: "http://evil.test", data: complete }));
    expect(assigned).toEqual([]);
    listeners.forEach((fn) => fn({ source: frame.contentWindow, origin: env.handle.url, data: complete }));
    expect(assigned).toEqual([returnUrl]);

    checkout.destroy();
    expect(container.children).toEqual([]);
    const next = await stripe.initEmbeddedCheckout({ clientSecret: session.client_secret });
    next.destroy();
  });
});
