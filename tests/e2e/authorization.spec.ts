import type { APIRequestContext } from "@playwright/test";
import { API_METHODS, UNKNOWN_API_ROUTE_FILE, apiPathOfRouteFile } from "../../lib/http/api-methods";
import { apiClient, signedInAdmin, signedUpClient } from "./api-clients";
import { ROUTE_MATRIX, type Identity, type MatrixRow } from "./route-matrix";
import { expect, test } from "./helpers";

/**
 * The authorization matrix against the production build: every route and page as no session, a
 * user, an admin, a user reaching for another user's resource, and machine credentials.
 * tests/unit/route-declarations.test.ts makes sure no route.ts or page is missing from the matrix.
 */
test.describe.configure({ mode: "serial" });

let clients: Record<Identity, APIRequestContext>;
let otherSession: string;

test.beforeAll(async () => {
  const [anonymous, user, admin, other] = await Promise.all([
    apiClient(),
    signedUpClient("matrix"),
    signedInAdmin(),
    signedUpClient("other"),
  ]);
  clients = { anonymous, user: user.client, admin };
  // Another user's checkout session, the resource the first user must not reach.
  const checkout = await other.client.post("/api/billing/checkout", { data: { plan: "pro", interval: "month" } });
  expect(checkout.status()).toBe(200);
  otherSession = /cs_[A-Za-z0-9_]+/.exec(((await checkout.json()) as { url: string }).url)?.[0] ?? "";
  expect(otherSession).toMatch(/^cs_/);
});

function send(client: APIRequestContext, row: MatrixRow, url = row.url, headers: Record<string, string> = {}) {
  const target = url.replace("{otherSession}", otherSession);
  if (row.method === "GET") return client.get(target, { maxRedirects: 0, headers });
  if (row.method === "DELETE" && row.body === undefined) return client.delete(target, { maxRedirects: 0, headers });
  if (row.method !== "POST") return client.fetch(target, { method: row.method, data: row.body ?? {}, maxRedirects: 0, headers });
  if (row.body === "form") return client.post(target, { form: { email: "x@example.com", password: "y" }, maxRedirects: 0, headers });
  return client.post(target, { data: row.body ?? {}, maxRedirects: 0, headers });
}

for (const row of ROUTE_MATRIX) {
  test(`${row.method} ${row.url} (${row.access})`, async () => {
    for (const identity of ["anonymous", "user", "admin"] as const) {
      const response = await send(clients[identity], row);
      expect(response.status(), `${identity}: ${row.method} ${row.url}`).toBe(row.expect[identity]);
      if (row.url.startsWith("/api/") && response.status() >= 400) {
        expect(response.headers()["content-type"]).toContain("application/json");
      }
    }
    if (row.otherUser) {
      const response = await send(clients.user, row, row.otherUser.url);
      expect(response.status(), `user on another user's resource: ${row.otherUser.url}`).toBe(row.otherUser.status);
    }
    if (row.credential) {
      const response = await send(clients.anonymous, row, row.url, row.credential.headers);
      expect(response.status(), `with machine credentials: ${row.url}`).toBe(row.credential.status);
    }
  });
}

// A wrong method gets the same JSON 405 and Allow header with a body (which never passes through
// proxy.ts) as without one: every route.ts exports methodNotAllowed for the write methods it lacks.
const apiRouteRows = [
  ...new Map(
    ROUTE_MATRIX.filter((r) => r.file.startsWith("app/api/") && r.file !== UNKNOWN_API_ROUTE_FILE).map((r) => [r.file, r]),
  ).values(),
];
for (const row of apiRouteRows) {
  const served = API_METHODS[apiPathOfRouteFile(row.file)];
  const refused = (["POST", "PUT", "PATCH", "DELETE"] as const).filter((m) => !served.includes(m));
  test(`${refused.join(", ")} ${row.url} with a body: JSON 405 allowing ${served.join(", ")}`, async () => {
    for (const method of refused) {
      for (const body of [{ data: { plan: "pro" } }, {}]) {
        const response = await clients.user.fetch(row.url.replace("{otherSession}", otherSession), { method, ...body, maxRedirects: 0 });
        expect(response.status(), `${method} ${row.url}`).toBe(405);
        expect(response.headers()["allow"]).toBe(served.join(", "));
        expect(await response.json()).toMatchObject({ error: "method_not_allowed" });
      }
    }
  });
}
