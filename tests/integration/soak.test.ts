import { describe, expect, it } from "vitest";
import { formatSoakReport, runSoak } from "@/scripts/lib/soak";

/**
 * The short chaos soak CI runs (`npm run soak` is the long one): six random lifecycles, three of
 * them organization accounts', with chaos delivery, a database restart and a SIGKILL of the app
 * mid-webhook, then zero differences between the database and the emulator, per account. Needs a
 * private Postgres (initdb), so it runs where the Postgres tests run.
 */
describe.runIf(Boolean(process.env.DATABASE_URL))("chaos soak (short)", () => {
  it("ends with the database matching Stripe exactly", async () => {
    const report = await runSoak({ lifecycles: 6, concurrency: 6, seed: 7, retryBaseMs: 250 });
    const summary = formatSoakReport(report);
    expect(report.incidents, summary).toEqual(["database restarted", expect.stringMatching(/^app killed \(SIGKILL\)/)]);
    expect(report.actions["advance"] ?? 0, summary).toBeGreaterThan(0);
    expect(report.failedEvents, summary).toBe(0);
    expect(report.invariants.subscriptions, summary).toBeGreaterThanOrEqual(5);
    // Half of the customers are organizations (an owner and an admin, one of them paying and acting).
    expect(report.organizations, summary).toBe(3);
    expect(report.invariants.accounts.organization, summary).toBe(3);
    expect(report.invariants.accounts.personal, summary).toBe(3);
    expect(report.invariants.differences, summary).toEqual([]);
  }, 240_000);
});
