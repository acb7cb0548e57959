import { describe, expect, it } from "vitest";
import { databaseOptionsFromEnv, databaseTimeoutsFromEnv } from "@/db/client";
import { QueryDeadlineError } from "@/db/deadline";
import { isDatabaseUnavailable } from "@/db/errors";
import { databaseAppError } from "@/lib/http/database-outage";
import { outboxBackoffMs } from "@/lib/outbox";
import { currentRequestId, withRequestContext } from "@/lib/request-context";
import { stripeNetworkSettings } from "@/lib/stripe/client";

const withCode = (code: string, message = "boom") => Object.assign(new Error(message), { code });

describe("database outage classification (by code, through cause chains)", () => {
  it.each([
    "ECONNREFUSED",
    "CONNECT_TIMEOUT",
    "CONNECTION_CLOSED",
    "57P01",
    "57P02",
    "57P03",
    "08006",
    "57014",
    "25P03",
    "53300",
    "EAI_AGAIN",
    "ENETUNREACH",
    "QUERY_DEADLINE",
  ])("%s is an outage", (code) => {
    expect(isDatabaseUnavailable(withCode(code))).toBe(true);
  });
  it("sees through drizzle's query wrapper and our deadline", () => {
    const wrapped = Object.assign(new Error("Failed query: select 1"), { cause: withCode("ECONNRESET") });
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
    expect(isDatabaseUnavailable(new QueryDeadlineError(1000, "query"))).toBe(true);
    expect(databaseAppError(wrapped)?.code).toBe("database_unavailable");
  });
  it("reads a dropped connection reported only in the message", () => {
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("connect ECONNREFUSED 127.0.0.1:5432"))).toBe(true);
  });
  it("does not mistake ordinary failures for an outage", () => {
    expect(isDatabaseUnavailable(withCode("23505"))).toBe(false); // unique violation
    expect(isDatabaseUnavailable(withCode("42P01"))).toBe(false); // undefined table
    expect(isDatabaseUnavailable(new Error("simulated database failure"))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
    expect(databaseAppError(new TypeError("x"))).toBeNull();
  });
});

describe("timeouts are configurable", () => {
  it("Postgres: defaults and env overrides", () => {
    expect(databaseTimeoutsFromEnv({})).toEqual({ connectMs: 5_000, statementMs: 5_000, idleInTransactionMs: 10_000, serverSide: true });
    expect(
      databaseTimeoutsFromEnv({
        DATABASE_CONNECT_TIMEOUT_MS: "800",
        DATABASE_STATEMENT_TIMEOUT_MS: "0",
        DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: "junk",
        DATABASE_SERVER_TIMEOUTS: "off",
      }),
    ).toEqual({ connectMs: 800, statementMs: 0, idleInTransactionMs: 10_000, serverSide: false });
  });
  it("DATABASE_POOLER=transaction is the one switch for a transaction pooler; a direct URL and the pool size are optional", () => {
    const url = "postgres://app@pooler:6543/db";
    expect(databaseOptionsFromEnv({ DATABASE_URL: url })).toMatchObject({
      url,
      directUrl: undefined,
      prepare: true,
      max: undefined,
      timeouts: { serverSide: true },
    });
    expect(
      databaseOptionsFromEnv({
        DATABASE_URL: url,
        DATABASE_POOLER: "transaction",
        DATABASE_URL_DIRECT: "postgres://app@db:5432/db",
        DATABASE_POOL_SIZE: "3",
      }),
    ).toMatchObject({ url, directUrl: "postgres://app@db:5432/db", prepare: false, max: 3, timeouts: { serverSide: false } });
    // The two halves on their own still work as before.
    expect(databaseOptionsFromEnv({ DATABASE_URL: url, DATABASE_PREPARE: "false" })).toMatchObject({
      prepare: false,
      timeouts: { serverSide: true },
    });
    expect(databaseOptionsFromEnv({ DATABASE_URL: url, DATABASE_SERVER_TIMEOUTS: "off" })).toMatchObject({
      prepare: true,
      timeouts: { serverSide: false },
    });
    expect(databaseOptionsFromEnv({ DATABASE_URL: url, DATABASE_POOL_SIZE: "0" }).max).toBeUndefined();
  });
  it("Stripe: 10 s with one retry by default; bounded retries", () => {
    expect(stripeNetworkSettings({})).toEqual({ timeoutMs: 10_000, maxNetworkRetries: 1 });
    expect(stripeNetworkSettings({ STRIPE_TIMEOUT_MS: "2500", STRIPE_MAX_NETWORK_RETRIES: "0" })).toEqual({
      timeoutMs: 2_500,
      maxNetworkRetries: 0,
    });
    expect(stripeNetworkSettings({ STRIPE_MAX_NETWORK_RETRIES: "50" }).maxNetworkRetries).toBe(5);
  });
  it("outbox backoff doubles from a minute and is capped at 6 h", () => {
    expect([1, 2, 3].map(outboxBackoffMs)).toEqual([60_000, 120_000, 240_000]);
    expect(outboxBackoffMs(30)).toBe(6 * 3_600_000);
  });
});

describe("request ids", () => {
  it("propagates a sane x-request-id to the handler's context and the response", async () => {
    let seen: string | undefined;
    const response = await withRequestContext(new Request("http://app.test/x", { headers: { "x-request-id": "lb-123.abc" } }), async () => {
      seen = currentRequestId();
      return new Response("ok");
    });
    expect(seen).toBe("lb-123.abc");
    expect(response.headers.get("x-request-id")).toBe("lb-123.abc");
  });
  it("makes a new id when the header is missing or not a sane token", async () => {
    const response = await withRequestContext(
      new Request("http://app.test/x", { headers: { "x-request-id": "<script>" } }),
      async () => new Response("ok"),
    );
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(currentRequestId()).toBeUndefined();
  });
});
