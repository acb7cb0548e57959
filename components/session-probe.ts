/**
 * Whether the browser has a session, asked in a way that answers 200 either way (next-auth's
 * session endpoint): probing a protected route would log a 401 in every signed-out visitor's console.
 */
export async function hasSession(signal: AbortSignal): Promise<boolean> {
  const res = await fetch("/api/auth/session", { cache: "no-store", signal, headers: { accept: "application/json" } });
  if (!res.ok) return false;
  const body = (await res.json().catch(() => null)) as { user?: unknown } | null;
  return Boolean(body?.user);
}
