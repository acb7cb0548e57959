/** The probe in flight, shared by every caller on the page (the header and the usage banner ask at once). */
let inFlight: Promise<boolean> | null = null;

async function probe(): Promise<boolean> {
  const res = await fetch("/api/auth/session", { cache: "no-store", headers: { accept: "application/json" } });
  if (!res.ok) return false;
  const body = (await res.json().catch(() => null)) as { user?: unknown } | null;
  return Boolean(body?.user);
}

/**
 * Whether the browser has a session, asked in a way that answers 200 either way (next-auth's
 * session endpoint): probing a protected route would log a 401 in every signed-out visitor's console.
 * Callers asking at the same time share one request (it is forgotten once answered, so a sign-in or
 * sign-out is seen by the next probe); each caller's `signal` abandons only its own wait.
 */
export function hasSession(signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.reject(signal.reason);
  const shared = (inFlight ??= probe().finally(() => {
    inFlight = null;
  }));
  return new Promise<boolean>((resolve, reject) => {
    const abandon = () => reject(signal.reason);
    signal.addEventListener("abort", abandon, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener("abort", abandon);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abandon);
        reject(error);
      },
    );
  });
}
