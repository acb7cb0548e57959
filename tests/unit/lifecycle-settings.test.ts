import { describe, expect, it } from "vitest";
import { DEFAULT_STARTUP_WAIT_MS, startupWaitMs } from "@/lib/database/prepare";
import { DEFAULT_SHUTDOWN_DEADLINE_MS, DEFAULT_SHUTDOWN_GRACE_MS, shutdownSettings } from "@/lib/shutdown";

/** The start-up and shutdown bounds read from the environment: defaults, overrides, bad values. */
describe("start-up wait", () => {
  const postgres = { DATABASE_URL: "postgres://app@db/billing" };

  it("waits DATABASE_STARTUP_WAIT_MS (10 s by default) with Postgres, and for PGlite until it is ready", () => {
    expect(startupWaitMs(postgres)).toBe(DEFAULT_STARTUP_WAIT_MS);
    expect(DEFAULT_STARTUP_WAIT_MS).toBe(10_000);
    expect(startupWaitMs({ ...postgres, DATABASE_STARTUP_WAIT_MS: "2500" })).toBe(2_500);
    expect(startupWaitMs({ ...postgres, DATABASE_STARTUP_WAIT_MS: "0" })).toBe(0);
    expect(startupWaitMs({ DATABASE_STARTUP_WAIT_MS: "2500" })).toBe(Number.POSITIVE_INFINITY);
  });

  it.each(["abc", "-1", "Infinity", ""])("ignores an unusable DATABASE_STARTUP_WAIT_MS %j", (value) => {
    expect(startupWaitMs({ ...postgres, DATABASE_STARTUP_WAIT_MS: value })).toBe(DEFAULT_STARTUP_WAIT_MS);
  });
});

describe("shutdown settings", () => {
  it("defaults to a 3 s grace period within a 10 s deadline", () => {
    expect(shutdownSettings({})).toEqual({ graceMs: DEFAULT_SHUTDOWN_GRACE_MS, deadlineMs: DEFAULT_SHUTDOWN_DEADLINE_MS });
    expect(shutdownSettings({})).toEqual({ graceMs: 3_000, deadlineMs: 10_000 });
  });

  it("reads SHUTDOWN_GRACE_MS and SHUTDOWN_DEADLINE_MS, and never lets the grace period outlast the deadline", () => {
    expect(shutdownSettings({ SHUTDOWN_GRACE_MS: "500", SHUTDOWN_DEADLINE_MS: "30000" })).toEqual({ graceMs: 500, deadlineMs: 30_000 });
    expect(shutdownSettings({ SHUTDOWN_GRACE_MS: "5000", SHUTDOWN_DEADLINE_MS: "2000" })).toEqual({ graceMs: 2_000, deadlineMs: 2_000 });
    expect(shutdownSettings({ SHUTDOWN_GRACE_MS: "0" })).toEqual({ graceMs: 0, deadlineMs: 10_000 });
  });

  it.each(["abc", "-5", "Infinity"])("ignores an unusable value %j", (value) => {
    expect(shutdownSettings({ SHUTDOWN_GRACE_MS: value, SHUTDOWN_DEADLINE_MS: value })).toEqual({ graceMs: 3_000, deadlineMs: 10_000 });
  });
});
