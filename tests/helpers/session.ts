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
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return new NextRequest(new URL(url, "http://localhost:3000"), {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
}
