import type { IncomingMessage, ServerResponse } from "node:http";

/** The messages the emulator's Checkout page, framed by the stand-in, sends to the page that embeds it. */
export const EMBEDDED_MESSAGE = {
  resize: "stripe-emulator:embedded-checkout:resize",
  complete: "stripe-emulator:embedded-checkout:complete",
} as const;

/**
 * A small stand-in for Stripe.js (https://js.stripe.com), served at `GET /v3`.
 * It defines `window.Stripe` the way Stripe.js does, so `loadStripe` from @stripe/stripe-js picks it up (it uses an
 * existing `window.Stripe` instead of injecting Stripe's script), with only Embedded Checkout:
 * `createEmbeddedCheckoutPage` (and the older `initEmbeddedCheckout`) take a Checkout Session's client secret (or
 * `fetchClientSecret`) and return `{mount, unmount, destroy}`; `mount` puts the emulator's Checkout page for that
 * session in an iframe. When the session completes, the framed page tells this script, which navigates the top
 * page to the session's `return_url` (`{CHECKOUT_SESSION_ID}` replaced), as Stripe does, or calls `onComplete`
 * when the session has no `return_url`. One Embedded Checkout at a time, as with Stripe.js.
 */
export const STRIPE_JS_STAND_IN = `(function () {
  'use strict';
  if (window.Stripe && window.Stripe.emulator) return;
  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src).origin : '';
  var active = null;
  function integrationError(message) {
    var error = new Error(message);
    error.name = 'IntegrationError';
    return error;
  }
  function sessionIdOf(clientSecret) {
    var match = typeof clientSecret === 'string' ? /^(cs_(?:test|live)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(clientSecret) : null;
    if (!match) throw integrationError('Invalid value for createEmbeddedCheckoutPage: clientSecret should be a client secret of the form \${id}_secret_\${secret}.');
    return match[1];
  }
  function EmbeddedCheckout(sessionId, options) {
    var frame = null;
    var destroyed = false;
    function onMessage(event) {
      if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
      var data = event.data || {};
      if (data.type === ${JSON.stringify(EMBEDDED_MESSAGE.resize)} && typeof data.height === 'number') {
        frame.style.height = Math.max(320, Math.ceil(data.height)) + 'px';
      } else if (data.type === ${JSON.stringify(EMBEDDED_MESSAGE.complete)} && data.session === sessionId) {
        if (typeof data.returnUrl === 'string' && /^https?:/.test(data.returnUrl)) window.location.assign(data.returnUrl);
        else if (typeof options.onComplete === 'function') options.onComplete();
      }
    }
    window.addEventListener('message', onMessage);
    this.mount = function (location) {
      if (destroyed) throw integrationError('This Embedded Checkout has been destroyed. Create a new one.');
      if (frame) throw integrationError('This Embedded Checkout is already mounted.');
      var element = typeof location === 'string' ? document.querySelector(location) : location;
      if (!element || typeof element.appendChild !== 'function') throw integrationError('Embedded Checkout could not find the element to mount in: ' + String(location));
      frame = document.createElement('iframe');
      frame.src = origin + '/checkout/' + encodeURIComponent(sessionId) + '?embedded=1';
      frame.title = 'Secure checkout';
      frame.name = 'embedded-checkout';
      frame.setAttribute('allow', 'payment *');
      frame.style.cssText = 'display:block;width:100%;height:760px;border:0;background:transparent';
      element.appendChild(frame);
    };
    this.unmount = function () {
      if (frame && frame.parentNode) frame.parentNode.removeChild(frame);
      frame = null;
    };
    this.destroy = function () {
      this.unmount();
      destroyed = true;
      window.removeEventListener('message', onMessage);
      if (active === this) active = null;
    };
  }
  function createEmbeddedCheckoutPage(options) {
    options = options || {};
    if (active) return Promise.reject(integrationError('You cannot have multiple Embedded Checkout objects at once. Destroy the existing one first.'));
    var claim = {};
    active = claim;
    var secret = options.clientSecret
      ? Promise.resolve(options.clientSecret)
      : typeof options.fetchClientSecret === 'function'
        ? Promise.resolve().then(options.fetchClientSecret)
        : Promise.reject(integrationError('createEmbeddedCheckoutPage needs clientSecret or fetchClientSecret.'));
    return secret.then(
      function (clientSecret) {
        var checkout = new EmbeddedCheckout(sessionIdOf(clientSecret), options);
        if (active === claim) active = checkout;
        return checkout;
      },
    ).catch(function (error) {
      if (active === claim) active = null;
      throw error;
    });
  }
  function Stripe(publishableKey) {
    if (typeof publishableKey !== 'string' || !/^pk_test_\\w+$/.test(publishableKey)) {
      throw integrationError('Invalid publishable key: the Stripe emulator accepts test keys (pk_test_...).');
    }
    return { createEmbeddedCheckoutPage: createEmbeddedCheckoutPage, initEmbeddedCheckout: createEmbeddedCheckoutPage, _registerWrapper: function () {} };
  }
  Stripe.version = 'endive';
  Stripe.emulator = true;
  window.Stripe = Stripe;
})();
`;

/** `GET /v3` (or `/v3/`): the Stripe.js stand-in above. */
export function handleStripeJs(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  if (url.pathname !== "/v3" && url.pathname !== "/v3/") return false;
  res.writeHead(200, {
    "Content-Type": "text/javascript; charset=utf-8",
    "Content-Length": Buffer.byteLength(STRIPE_JS_STAND_IN),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(req.method === "HEAD" ? undefined : STRIPE_JS_STAND_IN);
  return true;
}
