"use client";

import { loadStripe } from "@stripe/stripe-js/pure";
import type { StripeEmbeddedCheckout } from "@stripe/stripe-js";
import { useEffect, useRef, useState } from "react";
import { Alert } from "@/components/ui";

/** Loads a script once (the emulator's Stripe.js stand-in); it defines `window.Stripe`, which `loadStripe` then uses. */
function loadScript(src: string): Promise<void> {
  const existing = document.querySelector<HTMLScriptElement>(`script[src="${CSS.escape(src)}"]`);
  if (existing?.dataset.loaded) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = existing ?? Object.assign(document.createElement("script"), { src, async: true });
    script.addEventListener("load", () => {
      script.dataset.loaded = "1";
      resolve();
    });
    script.addEventListener("error", () => reject(new Error(`Could not load ${src}.`)));
    if (!existing) document.head.appendChild(script);
  });
}

// Stripe.js allows one Embedded Checkout at a time: each mount waits for the previous one to be destroyed.
let previous: Promise<unknown> = Promise.resolve();

/**
 * Stripe's Embedded Checkout for one session: Stripe.js (`loadStripe` from @stripe/stripe-js/pure, so nothing is
 * loaded until this mounts) with the publishable key, then `createEmbeddedCheckoutPage` with the session's client
 * secret, mounted here. With the emulator, its stand-in for Stripe.js is loaded first and `loadStripe` picks it up.
 * On completion Stripe sends the whole page to the session's return URL, the success page.
 */
export function EmbeddedCheckout({
  clientSecret,
  publishableKey,
  stripeJsUrl,
}: {
  clientSecret: string;
  publishableKey: string;
  stripeJsUrl: string | null;
}) {
  const container = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let cancelled = false;
    let checkout: StripeEmbeddedCheckout | null = null;
    const mounted = previous.then(async () => {
      if (cancelled) return;
      if (stripeJsUrl) await loadScript(stripeJsUrl);
      const stripe = await loadStripe(publishableKey);
      if (!stripe) throw new Error("Stripe.js is not available.");
      const created = await stripe.createEmbeddedCheckoutPage({ clientSecret });
      if (cancelled || !container.current) {
        created.destroy();
        return;
      }
      checkout = created;
      created.mount(container.current);
    });
    previous = mounted.catch(() => undefined);
    mounted.catch(() => {
      if (!cancelled) setFailed(true);
    });
    return () => {
      cancelled = true;
      // Destroyed before the next one is created (the chain above waits for this mount to settle first).
      previous = previous.then(() => checkout?.destroy());
    };
  }, [clientSecret, publishableKey, stripeJsUrl]);

  return (
    <div className="space-y-3">
      {failed && (
        <Alert testId="embedded-checkout-error">Checkout could not be loaded. Nothing was charged. Reload the page to try again.</Alert>
      )}
      <div ref={container} id="checkout" data-testid="embedded-checkout" className="min-h-96 rounded-lg border border-gray-200 bg-white" />
    </div>
  );
}
