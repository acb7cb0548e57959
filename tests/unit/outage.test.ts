import { afterEach, describe, expect, it } from "vitest";
import { noteDatabaseOutage } from "@/lib/http/database-outage";
import { OUTAGE_PROBE_BUDGET_MS, databaseStillDown, markDatabaseOutage, noDatabaseOutageMarked, unavailablePage } from "@/lib/http/outage";

const globalForOutage = globalThis as unknown as { __databaseOutage?: unknown };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the per-process database outage marker proxy.ts answers pages 503 from", () => {
  afterEach(() => {
    globalForOutage.__databaseOutage = undefined;
  });

  it("is set only by an outage error, and costs nothing when unset", async () => {
    expect(noteDatabaseOutage(Object.assign(new Error("dup"), { code: "23505" }))).toBe(false);
    expect(noDatabaseOutageMarked()).toBe(true);
    expect(await databaseStillDown()).toBe(false);
    expect(
      noteDatabaseOutage(Object.assign(new Error("wrapped"), { cause: Object.assign(new Error("x"), { code: "ECONNREFUSED" }) })),
    ).toBe(true);
    expect(noDatabaseOutageMarked()).toBe(false);
  });

  it("trusts a fresh marker, then pings; a ping that answers clears it", async () => {
    let pings = 0;
    let up = false;
    markDatabaseOutage(async () => {
      pings += 1;
      if (!up) throw Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
    });
    expect(await databaseStillDown()).toBe(true);
    expect(pings).toBe(0); // within the recheck window of the discovery: no ping
    await sleep(1_050);
    expect(await Promise.all([databaseStillDown(), databaseStillDown(), databaseStillDown()])).toEqual([true, true, true]);
    expect(pings).toBe(1); // concurrent page requests share one ping
    up = true;
    await sleep(1_050);
    expect(await databaseStillDown()).toBe(false);
    expect(noDatabaseOutageMarked()).toBe(true);
  });

  it("answers within the budget while a ping hangs, never sends a second one, and clears once it answers late", async () => {
    let pings = 0;
    let answer: () => void = () => {};
    markDatabaseOutage(() => {
      pings += 1;
      return new Promise<void>((resolve) => (answer = resolve));
    });
    await sleep(1_050);
    const started = Date.now();
    expect(await databaseStillDown()).toBe(true);
    expect(Date.now() - started).toBeLessThan(OUTAGE_PROBE_BUDGET_MS + 300);
    await sleep(1_050);
    expect(await databaseStillDown()).toBe(true);
    expect(pings).toBe(1);
    answer();
    await sleep(10);
    expect(noDatabaseOutageMarked()).toBe(true);
  });

  it("renders a self-contained page with the support address, escaped", () => {
    const html = unavailablePage('help+"x"@example.com');
    expect(html).toContain("temporarily unavailable");
    expect(html).toContain("mailto:help+&quot;x&quot;@example.com");
    expect(html).not.toMatch(/<script/i);
  });
});
