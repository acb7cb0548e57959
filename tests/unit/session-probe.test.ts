import { afterEach, describe, expect, it, vi } from "vitest";
import { hasSession } from "@/components/session-probe";

function stubSession(user: unknown) {
  const calls: string[] = [];
  let answer: (res: Response) => void = () => undefined;
  vi.stubGlobal(
    "fetch",
    vi.fn((url: string) => {
      calls.push(url);
      return new Promise<Response>((resolve) => {
        answer = resolve;
      });
    }),
  );
  return { calls, respond: () => answer(new Response(JSON.stringify(user ? { user } : {}), { status: 200 })) };
}

describe("hasSession", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("callers asking at once share one request, and each gets the answer", async () => {
    const session = stubSession({ email: "a@example.com" });
    const header = hasSession(new AbortController().signal);
    const banner = hasSession(new AbortController().signal);
    session.respond();
    expect(await Promise.all([header, banner])).toEqual([true, true]);
    expect(session.calls).toEqual(["/api/auth/session"]);
  });

  it("once answered, the next probe asks again (a sign-out is seen)", async () => {
    const first = stubSession({ email: "a@example.com" });
    const before = hasSession(new AbortController().signal);
    first.respond();
    expect(await before).toBe(true);
    const second = stubSession(null);
    const after = hasSession(new AbortController().signal);
    second.respond();
    expect(await after).toBe(false);
    expect(second.calls).toEqual(["/api/auth/session"]);
  });

  it("one caller's abort abandons only its own wait", async () => {
    const session = stubSession({ email: "a@example.com" });
    const leaving = new AbortController();
    const gone = hasSession(leaving.signal);
    const staying = hasSession(new AbortController().signal);
    leaving.abort(new Error("navigated away"));
    await expect(gone).rejects.toThrow("navigated away");
    session.respond();
    expect(await staying).toBe(true);
    expect(session.calls).toHaveLength(1);
  });
});
