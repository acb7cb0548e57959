import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";

/** A request carrying a real next-auth session cookie for `userId`, as a signed-in browser sends. */
export async function requestAs(
  userId: string | null,
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<NextRequest> {
  const headers = new Headers(init.headers);
  if (userId) {
    const token = await encode({ token: { sub: userId }, secret: process.env.NEXTAUTH_SECRET as string });
    headers.set("cookie", `next-auth.session-token=${token}`);
  }
  const method = init.method ?? "GET";
  // Like the app's own client (components/billing/api.ts), state-changing calls always send JSON.
  const body = init.body ?? (method === "GET" ? undefined : {});
  if (body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  return new NextRequest(new URL(url, "http://localhost:3000"), {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}
