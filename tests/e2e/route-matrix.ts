/**
 * Every route handler and page under app/, with who may use it. tests/unit/route-declarations.test.ts
 * fails when a route.ts or page.tsx is missing here or a route's declared access differs, and
 * tests/e2e/authorization.spec.ts replays every row against the production build as no session, a
 * user, a user reaching for another user's resource, and an admin.
 */
export type Identity = "anonymous" | "user" | "admin";
export type Access = "public" | "user" | "user-or-key" | "admin" | "internal-key" | "cron-secret" | "stripe-signature" | "page";

export interface MatrixRow {
  /** The file under app/ that serves it. */
  file: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The URL requested (with a query where the route needs one). `{otherSession}` is another user's checkout session id. */
  url: string;
  /** The access the route declares with route() (or `page`). */
  access: Access;
  body?: unknown;
  /** Expected status per identity (redirects are not followed). */
  expect: Record<Identity, number>;
  /** The same request for a user, aimed at another user's resource. */
  otherUser?: { url: string; status: number };
  /** Machine credentials: the headers that grant access, and the status with them. */
  credential?: { headers: Record<string, string>; status: number };
}

export const E2E_CRON_SECRET = "e2e-cron-secret-value";
export const E2E_INTERNAL_API_KEY = "e2e-internal-api-key-value";

/** An id nothing has: the matrix's users belong to no organization. */
const NO_SUCH_ID = "00000000-0000-4000-8000-000000000000";
const json = (status: number): Record<Identity, number> => ({ anonymous: 401, user: status, admin: status });

export const ROUTE_MATRIX: MatrixRow[] = [
  // Pages
  { file: "app/page.tsx", method: "GET", url: "/", access: "page", expect: { anonymous: 200, user: 200, admin: 200 } },
  { file: "app/pricing/page.tsx", method: "GET", url: "/pricing", access: "page", expect: { anonymous: 200, user: 200, admin: 200 } },
  { file: "app/sign-in/page.tsx", method: "GET", url: "/sign-in", access: "page", expect: { anonymous: 200, user: 200, admin: 200 } },
  { file: "app/sign-up/page.tsx", method: "GET", url: "/sign-up", access: "page", expect: { anonymous: 200, user: 200, admin: 200 } },
  {
    file: "app/forgot-password/page.tsx",
    method: "GET",
    url: "/forgot-password",
    access: "page",
    expect: { anonymous: 200, user: 200, admin: 200 },
  },
  {
    file: "app/reset-password/page.tsx",
    method: "GET",
    url: "/reset-password?token=not-a-real-token-value-000",
    access: "page",
    expect: { anonymous: 200, user: 200, admin: 200 },
  },
  {
    file: "app/verify-email/page.tsx",
    method: "GET",
    url: "/verify-email?token=not-a-real-token-value-000",
    access: "page",
    expect: { anonymous: 200, user: 200, admin: 200 },
  },
  { file: "app/billing/page.tsx", method: "GET", url: "/billing", access: "page", expect: { anonymous: 307, user: 200, admin: 200 } },
  {
    file: "app/billing/cancel/page.tsx",
    method: "GET",
    url: "/billing/cancel",
    access: "page",
    expect: { anonymous: 200, user: 200, admin: 200 },
  },
  {
    file: "app/billing/success/page.tsx",
    method: "GET",
    url: "/billing/success?session_id=cs_test_unknown",
    access: "page",
    expect: { anonymous: 307, user: 200, admin: 200 },
    // The page only polls /api/billing/checkout/status, which refuses another user's session (below).
    otherUser: { url: "/billing/success?session_id={otherSession}", status: 200 },
  },
  {
    file: "app/checkout/page.tsx",
    method: "GET",
    url: "/checkout?session=cs_test_unknown",
    access: "page",
    expect: { anonymous: 307, user: 404, admin: 404 },
    // Embedded Checkout shows the account's own session only: another user's is not found.
    otherUser: { url: "/checkout?session={otherSession}", status: 404 },
  },
  { file: "app/admin/page.tsx", method: "GET", url: "/admin", access: "page", expect: { anonymous: 307, user: 403, admin: 200 } },
  ...[
    "/admin/alerts",
    "/admin/customers",
    "/admin/invoices",
    "/admin/operations",
    "/admin/promotions",
    "/admin/webhooks",
    "/admin/outbound-webhooks",
  ].map((url): MatrixRow => ({
    file: `app${url}/page.tsx`,
    method: "GET",
    url,
    access: "page",
    expect: { anonymous: 307, user: 403, admin: 200 },
  })),
  {
    file: "app/admin/customers/[id]/page.tsx",
    method: "GET",
    url: "/admin/customers/not-a-uuid",
    access: "page",
    expect: { anonymous: 307, user: 403, admin: 404 },
  },
  {
    file: "app/admin/webhooks/[id]/page.tsx",
    method: "GET",
    url: "/admin/webhooks/evt_no_such_event",
    access: "page",
    expect: { anonymous: 307, user: 403, admin: 404 },
  },
  // The metered demo: signed-out visitors use the anonymous allowance.
  { file: "app/dashboard/page.tsx", method: "GET", url: "/dashboard", access: "page", expect: { anonymous: 200, user: 200, admin: 200 } },
  // Organizations: the selected organization's settings; an invitation link (signed out it offers sign-in).
  {
    file: "app/settings/organization/page.tsx",
    method: "GET",
    url: "/settings/organization",
    access: "page",
    expect: { anonymous: 307, user: 200, admin: 200 },
  },
  {
    file: "app/invitations/accept/page.tsx",
    method: "GET",
    url: "/invitations/accept?token=not-a-real-token-value-000",
    access: "page",
    expect: { anonymous: 200, user: 200, admin: 200 },
  },

  // API
  // Unknown API paths: JSON 404 from proxy.ts (no body) or from the catch-all route (with a body).
  {
    file: "app/api/[...unknown]/route.ts",
    method: "GET",
    url: "/api/no-such-route",
    access: "public",
    expect: { anonymous: 404, user: 404, admin: 404 },
  },
  {
    file: "app/api/[...unknown]/route.ts",
    method: "POST",
    url: "/api/no-such-route",
    access: "public",
    body: {},
    expect: { anonymous: 404, user: 404, admin: 404 },
  },
  ...(["PUT", "PATCH", "DELETE"] as const).map((method): MatrixRow => ({
    file: "app/api/[...unknown]/route.ts",
    method,
    url: "/api/no-such-route",
    access: "public",
    body: {},
    expect: { anonymous: 404, user: 404, admin: 404 },
  })),
  {
    file: "app/api/health/route.ts",
    method: "GET",
    url: "/api/health",
    access: "public",
    expect: { anonymous: 200, user: 200, admin: 200 },
  },
  { file: "app/api/me/route.ts", method: "GET", url: "/api/me", access: "user", expect: json(200) },
  {
    file: "app/api/auth/[...nextauth]/route.ts",
    method: "GET",
    url: "/api/auth/csrf",
    access: "public",
    expect: { anonymous: 200, user: 200, admin: 200 },
  },
  // next-auth's own CSRF token is missing: it redirects back to sign-in with an error and signs no one in.
  {
    file: "app/api/auth/[...nextauth]/route.ts",
    method: "POST",
    url: "/api/auth/callback/credentials",
    access: "public",
    body: "form",
    expect: { anonymous: 302, user: 302, admin: 302 },
  },
  {
    file: "app/api/account/route.ts",
    method: "POST",
    url: "/api/account",
    access: "public",
    body: { email: "not-an-email", password: "x" },
    expect: { anonymous: 400, user: 400, admin: 400 },
  },
  {
    file: "app/api/account/password-reset/route.ts",
    method: "POST",
    url: "/api/account/password-reset",
    access: "public",
    body: { email: "not-an-email" },
    expect: { anonymous: 400, user: 400, admin: 400 },
  },
  {
    file: "app/api/account/password-reset/confirm/route.ts",
    method: "POST",
    url: "/api/account/password-reset/confirm",
    access: "public",
    body: { token: "not-a-real-token-value-000", password: "x" },
    expect: { anonymous: 400, user: 400, admin: 400 },
  },
  { file: "app/api/account/verification/route.ts", method: "POST", url: "/api/account/verification", access: "user", expect: json(200) },
  {
    file: "app/api/billing/plans/route.ts",
    method: "GET",
    url: "/api/billing/plans",
    access: "public",
    expect: { anonymous: 200, user: 200, admin: 200 },
  },
  { file: "app/api/billing/subscription/route.ts", method: "GET", url: "/api/billing/subscription", access: "user", expect: json(200) },
  { file: "app/api/billing/invoices/route.ts", method: "GET", url: "/api/billing/invoices", access: "user", expect: json(200) },
  // An unknown plan: past authentication, refused before Stripe is asked.
  {
    file: "app/api/billing/checkout/route.ts",
    method: "POST",
    url: "/api/billing/checkout",
    access: "user",
    body: { plan: "no-such-plan", interval: "month" },
    expect: json(400),
  },
  {
    file: "app/api/billing/checkout/status/route.ts",
    method: "GET",
    url: "/api/billing/checkout/status?session_id=cs_test_unknown",
    access: "user",
    expect: json(404),
    otherUser: { url: "/api/billing/checkout/status?session_id={otherSession}", status: 404 },
  },
  // The test's users have no billing customer yet / no subscription.
  { file: "app/api/billing/portal/route.ts", method: "POST", url: "/api/billing/portal", access: "user", expect: json(400) },
  { file: "app/api/billing/card/route.ts", method: "POST", url: "/api/billing/card", access: "user", expect: json(409) },
  // Billing details: none yet (no Stripe customer); an empty body is refused before Stripe is asked.
  { file: "app/api/billing/details/route.ts", method: "GET", url: "/api/billing/details", access: "user", expect: json(200) },
  { file: "app/api/billing/details/route.ts", method: "POST", url: "/api/billing/details", access: "user", body: {}, expect: json(400) },
  // A plan without a card-less trial: past authentication, refused before Stripe is asked.
  {
    file: "app/api/billing/trial/route.ts",
    method: "POST",
    url: "/api/billing/trial",
    access: "user",
    body: { plan: "scale" },
    expect: json(400),
  },
  {
    file: "app/api/billing/subscription/change/route.ts",
    method: "POST",
    url: "/api/billing/subscription/change",
    access: "user",
    body: { plan: "scale", interval: "month", preview: true },
    expect: json(409),
  },
  {
    file: "app/api/billing/subscription/cancel/route.ts",
    method: "POST",
    url: "/api/billing/subscription/cancel",
    access: "user",
    expect: json(409),
  },
  {
    file: "app/api/billing/subscription/resume/route.ts",
    method: "POST",
    url: "/api/billing/subscription/resume",
    access: "user",
    expect: json(409),
  },
  {
    file: "app/api/billing/subscription/discount/route.ts",
    method: "POST",
    url: "/api/billing/subscription/discount",
    access: "user",
    body: { promotionCode: "MATRIX" },
    expect: json(409),
  },
  // An unknown credit pack / auto top-up without a threshold: past authentication, refused before Stripe is asked.
  {
    file: "app/api/billing/credits/checkout/route.ts",
    method: "POST",
    url: "/api/billing/credits/checkout",
    access: "user",
    body: { pack: "no-such-pack" },
    expect: json(400),
  },
  {
    file: "app/api/billing/credits/auto-top-up/route.ts",
    method: "POST",
    url: "/api/billing/credits/auto-top-up",
    access: "user",
    body: { enabled: true, pack: "jobs_100" },
    expect: json(400),
  },
  // Spend cap: the (empty) cap reads; a negative cap is refused.
  { file: "app/api/billing/spend-cap/route.ts", method: "GET", url: "/api/billing/spend-cap", access: "user", expect: json(200) },
  {
    file: "app/api/billing/spend-cap/route.ts",
    method: "POST",
    url: "/api/billing/spend-cap",
    access: "user",
    body: { capCents: -1 },
    expect: json(400),
  },
  // Admin APIs: 401 without a session, 403 for a user; an admin gets the data, or 400/404 for bad input.
  ...(
    [
      ["app/api/billing/admin/users/route.ts", "GET", "/api/billing/admin/users", 200],
      ["app/api/billing/admin/users/[id]/route.ts", "GET", "/api/billing/admin/users/not-a-uuid", 404],
      ["app/api/billing/admin/users/[id]/limits/route.ts", "POST", "/api/billing/admin/users/not-a-uuid/limits", 400],
      ["app/api/billing/admin/users/[id]/spend-cap/route.ts", "POST", "/api/billing/admin/users/not-a-uuid/spend-cap", 400],
      ["app/api/billing/admin/users/[id]/staff/route.ts", "POST", "/api/billing/admin/users/not-a-uuid/staff", 400],
      ["app/api/billing/admin/users/[id]/sync/route.ts", "POST", "/api/billing/admin/users/not-a-uuid/sync", 404],
      ["app/api/billing/admin/invoices/route.ts", "GET", "/api/billing/admin/invoices?status=nonsense", 400],
      ["app/api/billing/admin/metrics/route.ts", "GET", "/api/billing/admin/metrics", 200],
      ["app/api/billing/admin/audit/route.ts", "GET", "/api/billing/admin/audit", 200],
      ["app/api/billing/admin/alerts/route.ts", "GET", "/api/billing/admin/alerts", 200],
      ["app/api/billing/admin/alerts/route.ts", "POST", "/api/billing/admin/alerts", 400],
      ["app/api/billing/admin/notifications/[id]/retry/route.ts", "POST", "/api/billing/admin/notifications/not-a-uuid/retry", 404],
      ["app/api/billing/admin/webhooks/route.ts", "GET", "/api/billing/admin/webhooks", 200],
      ["app/api/billing/admin/webhooks/[id]/route.ts", "GET", "/api/billing/admin/webhooks/evt_no_such_event", 404],
      ["app/api/billing/admin/webhooks/[id]/replay/route.ts", "POST", "/api/billing/admin/webhooks/evt_no_such_event/replay", 404],
      ["app/api/billing/admin/promotions/route.ts", "GET", "/api/billing/admin/promotions", 200],
      ["app/api/billing/admin/promotions/route.ts", "POST", "/api/billing/admin/promotions", 400],
      [
        "app/api/billing/admin/promotions/[id]/deactivate/route.ts",
        "POST",
        "/api/billing/admin/promotions/promo_no_such_code/deactivate",
        404,
      ],
      ["app/api/billing/admin/webhook-endpoints/route.ts", "GET", "/api/billing/admin/webhook-endpoints", 200],
      ["app/api/billing/admin/webhook-endpoints/route.ts", "POST", "/api/billing/admin/webhook-endpoints", 400],
      [
        "app/api/billing/admin/webhook-endpoints/[id]/disable/route.ts",
        "POST",
        "/api/billing/admin/webhook-endpoints/not-a-uuid/disable",
        404,
      ],
      [
        "app/api/billing/admin/webhook-endpoints/[id]/enable/route.ts",
        "POST",
        "/api/billing/admin/webhook-endpoints/not-a-uuid/enable",
        404,
      ],
      [
        "app/api/billing/admin/webhook-endpoints/[id]/rotate-secret/route.ts",
        "POST",
        "/api/billing/admin/webhook-endpoints/not-a-uuid/rotate-secret",
        404,
      ],
      ["app/api/billing/admin/webhook-endpoints/[id]/test/route.ts", "POST", "/api/billing/admin/webhook-endpoints/not-a-uuid/test", 404],
      [
        "app/api/billing/admin/webhook-endpoints/deliveries/route.ts",
        "GET",
        "/api/billing/admin/webhook-endpoints/deliveries?status=nonsense",
        400,
      ],
      [
        "app/api/billing/admin/webhook-endpoints/deliveries/[id]/replay/route.ts",
        "POST",
        "/api/billing/admin/webhook-endpoints/deliveries/not-a-uuid/replay",
        404,
      ],
    ] as const
  ).map(([file, method, url, status]): MatrixRow => ({
    file,
    method,
    url,
    access: "admin",
    expect: { anonymous: 401, user: 403, admin: status },
  })),
  // Usage API: a session or `Authorization: Bearer <api key>`; each caller sees only its own. API keys: a session only.
  { file: "app/api/billing/usage/route.ts", method: "GET", url: "/api/billing/usage?meter=jobs", access: "user-or-key", expect: json(200) },
  {
    file: "app/api/billing/usage/route.ts",
    method: "POST",
    url: "/api/billing/usage",
    access: "user-or-key",
    body: { meter: "jobs", quantity: -1, idempotencyKey: "matrix" },
    expect: json(400),
  },
  { file: "app/api/billing/quota/route.ts", method: "GET", url: "/api/billing/quota", access: "user-or-key", expect: json(200) },
  { file: "app/api/billing/levels/route.ts", method: "GET", url: "/api/billing/levels", access: "user-or-key", expect: json(200) },
  {
    file: "app/api/billing/levels/route.ts",
    method: "POST",
    url: "/api/billing/levels",
    access: "user-or-key",
    body: { gauge: "projects", value: -1 },
    expect: json(400),
  },
  { file: "app/api/billing/usage-alerts/route.ts", method: "GET", url: "/api/billing/usage-alerts", access: "user", expect: json(200) },
  {
    file: "app/api/billing/usage-alerts/route.ts",
    method: "POST",
    url: "/api/billing/usage-alerts",
    access: "user",
    body: { meter: "nope" },
    expect: json(400),
  },
  {
    file: "app/api/billing/entitlements/route.ts",
    method: "GET",
    url: "/api/billing/entitlements",
    access: "user-or-key",
    expect: json(200),
  },
  { file: "app/api/billing/api-keys/route.ts", method: "GET", url: "/api/billing/api-keys", access: "user", expect: json(200) },
  {
    file: "app/api/billing/api-keys/route.ts",
    method: "POST",
    url: "/api/billing/api-keys",
    access: "user",
    body: { name: "" },
    expect: json(400),
  },
  // Nobody's key, or another user's: 404 either way.
  {
    file: "app/api/billing/api-keys/[id]/route.ts",
    method: "DELETE",
    url: "/api/billing/api-keys/00000000-0000-4000-8000-000000000000",
    access: "user",
    expect: json(404),
  },
  // Organizations: any signed-in user may create and list theirs; an organization they are not a member of is a 404.
  { file: "app/api/orgs/route.ts", method: "GET", url: "/api/orgs", access: "user", expect: json(200) },
  { file: "app/api/orgs/route.ts", method: "POST", url: "/api/orgs", access: "user", body: { name: "" }, expect: json(400) },
  ...(
    [
      ["app/api/orgs/[id]/route.ts", "PATCH", "", { name: "Matrix" }],
      ["app/api/orgs/[id]/route.ts", "DELETE", "", undefined],
      ["app/api/orgs/[id]/members/route.ts", "GET", "/members", undefined],
      ["app/api/orgs/[id]/members/[userId]/route.ts", "PATCH", `/members/${NO_SUCH_ID}`, { role: "member" }],
      ["app/api/orgs/[id]/members/[userId]/route.ts", "DELETE", `/members/${NO_SUCH_ID}`, undefined],
      ["app/api/orgs/[id]/invitations/route.ts", "POST", "/invitations", { email: "matrix@example.com", role: "member" }],
      ["app/api/orgs/[id]/invitations/[invitationId]/route.ts", "DELETE", `/invitations/${NO_SUCH_ID}`, undefined],
    ] as const
  ).map(([file, method, rest, body]): MatrixRow => ({
    file,
    method,
    url: `/api/orgs/${NO_SUCH_ID}${rest}`,
    access: "user",
    body,
    expect: json(404),
  })),
  {
    file: "app/api/orgs/invitations/accept/route.ts",
    method: "POST",
    url: "/api/orgs/invitations/accept",
    access: "user",
    body: { token: "not-a-real-token-value-000" },
    expect: json(404),
  },
  // Anonymous visitors get the guest allowance (the same 3 runs for every identity here: none is used up).
  {
    file: "app/api/demo/jobs/route.ts",
    method: "POST",
    url: "/api/demo/jobs",
    access: "public",
    expect: { anonymous: 200, user: 200, admin: 200 },
  },
  // Scheduled jobs (lib/http/cron.ts): only the CRON_SECRET bearer token runs them.
  ...["deliver", "usage-report", "reconcile"].map((job): MatrixRow => ({
    file: `app/api/cron/${job}/route.ts`,
    method: "GET",
    url: `/api/cron/${job}`,
    access: "cron-secret",
    expect: { anonymous: 401, user: 401, admin: 401 },
    credential: { headers: { authorization: `Bearer ${E2E_CRON_SECRET}` }, status: 200 },
  })),
  {
    file: "app/api/billing/webhook/route.ts",
    method: "POST",
    url: "/api/billing/webhook",
    access: "stripe-signature",
    body: {},
    expect: { anonymous: 400, user: 400, admin: 400 },
  },
  {
    file: "app/api/internal/subscription/sync/route.ts",
    method: "POST",
    url: "/api/internal/subscription/sync",
    access: "internal-key",
    body: { userId: "not-a-uuid" },
    expect: { anonymous: 401, user: 401, admin: 401 },
    // Authenticated, then refused for its invalid body.
    credential: { headers: { "x-internal-api-key": E2E_INTERNAL_API_KEY }, status: 400 },
  },
];
