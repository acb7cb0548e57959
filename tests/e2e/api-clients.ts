import { expect, request as playwrightRequest, type APIRequestContext } from "@playwright/test";
import { E2E_BASE_URL } from "../../playwright.config";
import { TEST_PASSWORD, uniqueClientIp, uniqueEmail } from "./helpers";

/** An HTTP client of the production server with its own client IP and cookie jar (no browser). */
export async function apiClient(headers: Record<string, string> = {}): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL: E2E_BASE_URL, extraHTTPHeaders: { "x-forwarded-for": uniqueClientIp(), ...headers } });
}

/** Signs in through next-auth's own credentials endpoint, as its client does; the cookie stays in `client`. */
export async function apiSignIn(client: APIRequestContext, email: string, password = TEST_PASSWORD) {
  const { csrfToken } = (await (await client.get("/api/auth/csrf")).json()) as { csrfToken: string };
  return client.post("/api/auth/callback/credentials", {
    form: { csrfToken, email, password, json: "true", callbackUrl: "/billing" },
    maxRedirects: 0,
  });
}

/** A new account, signed in. */
export async function signedUpClient(prefix = "api"): Promise<{ client: APIRequestContext; email: string }> {
  const client = await apiClient();
  const email = uniqueEmail(prefix);
  expect((await client.post("/api/account", { data: { email, password: TEST_PASSWORD } })).status()).toBe(201);
  await apiSignIn(client, email);
  expect((await client.get("/api/me")).status()).toBe(200);
  return { client, email };
}

export async function signedInAdmin(): Promise<APIRequestContext> {
  const client = await apiClient();
  await apiSignIn(client, "admin@example.com", "admin-password-1");
  expect(await (await client.get("/api/me")).json()).toMatchObject({ user: { role: "admin" } });
  return client;
}
