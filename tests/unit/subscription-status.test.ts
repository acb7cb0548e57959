import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import {
  CARD_AWAITED,
  ENDED,
  IN_FORCE,
  inGroup,
  NEVER_STARTED,
  NOT_ENDED,
  PAYING,
  PAYMENT_FAILED,
  SUBSCRIPTION_STATUS,
  SUBSCRIPTION_STATUSES,
} from "@/lib/billing/subscription-status";
import { sqlStatus, sqlStatuses, subscriptionMrr } from "@/lib/billing/subscription-status-sql";

const ROOT = process.cwd();
const sorted = (values: readonly string[]) => [...values].sort();

describe("the status groups", () => {
  it("hold only known statuses, each once", () => {
    for (const group of [IN_FORCE, PAYING, ENDED, NOT_ENDED, NEVER_STARTED, CARD_AWAITED, PAYMENT_FAILED]) {
      expect(group.every((s) => (SUBSCRIPTION_STATUSES as readonly string[]).includes(s))).toBe(true);
      expect(new Set(group).size).toBe(group.length);
    }
  });

  it("relate as their names say", () => {
    // Not ended is everything but ended; what is in force has not ended; paying is in force.
    expect(sorted(NOT_ENDED)).toEqual(sorted(SUBSCRIPTION_STATUSES.filter((s) => !inGroup(ENDED, s))));
    expect(IN_FORCE.every((s) => inGroup(NOT_ENDED, s))).toBe(true);
    expect(PAYING.every((s) => inGroup(IN_FORCE, s))).toBe(true);
    // A trial is in force but pays nothing yet; a subscription that never started is not in force.
    expect(inGroup(IN_FORCE, SUBSCRIPTION_STATUS.trialing) && !inGroup(PAYING, SUBSCRIPTION_STATUS.trialing)).toBe(true);
    expect(NEVER_STARTED.some((s) => inGroup(IN_FORCE, s))).toBe(false);
    expect(inGroup(IN_FORCE, null)).toBe(false);
  });

  it("render into SQL from the same constants", () => {
    const dialect = new PgDialect();
    expect(dialect.sqlToQuery(sqlStatuses(PAYING)).sql).toBe("('active', 'past_due')");
    expect(dialect.sqlToQuery(sqlStatus(SUBSCRIPTION_STATUS.canceled)).sql).toBe("'canceled'");
    expect(dialect.sqlToQuery(subscriptionMrr("s")).sql).toBe('subscription_mrr(s."status", s."unit_amount", s."quantity", s."interval")');
    expect(() => sqlStatus("active'; drop table subscriptions; --" as never)).toThrow(/not a subscription status/);
  });
});

describe("the database's MRR is the module's", () => {
  // The migration that defines subscription_mrr and account_current_mrr spells the groups out (SQL
  // cannot import them): they must be the module's.
  const migration = readFileSync(path.join(ROOT, "db/migrations/0022_subscription_mrr.sql"), "utf8");
  const list = (pattern: RegExp) => {
    const match = pattern.exec(migration);
    expect(match, String(pattern)).not.toBeNull();
    return sorted([...match![1].matchAll(/'([a-z_]+)'/g)].map((m) => m[1]));
  };

  it("subscription_mrr counts the PAYING statuses", () => {
    expect(list(/WHEN status IN \(([^)]*)\)/)).toEqual(sorted(PAYING));
  });

  it("account_current_mrr puts the subscriptions IN_FORCE first", () => {
    expect(list(/ORDER BY \(m\.status IN \(([^)]*)\)\)/)).toEqual(sorted(IN_FORCE));
  });
});

/**
 * Statuses are spelled out only in lib/billing/subscription-status.ts: everywhere else the code
 * says which one it means by name (SUBSCRIPTION_STATUS.trialing) or by group (IN_FORCE, …). Not
 * scanned: tests, scripts (seed data), migrations, the emulator package (it is Stripe), comments.
 */
describe("statuses are not spelled out as string literals outside the module", () => {
  const SCANNED = ["app", "components", "lib", "db", "proxy.ts", "instrumentation.ts"];
  const SKIPPED = new Set(["db/migrations", "lib/billing/subscription-status.ts"]);
  /** Other objects' statuses that share a word with a subscription's: [file, the line's text]. */
  const ALLOWED: Array<[string, string]> = [
    ["lib/stripe/gateway.ts", 'schedule.status !== "active"'], // a subscription schedule's status
    ["lib/stripe/meter-catalog.ts", 'status: "active"'], // a Billing Meter's status
  ];
  const LITERAL = new RegExp(`(["'\`])(${SUBSCRIPTION_STATUSES.join("|")})\\1`);

  function files(relative: string): string[] {
    if (SKIPPED.has(relative)) return [];
    const full = path.join(ROOT, relative);
    if (statSync(full).isDirectory()) return readdirSync(full).flatMap((name) => files(path.posix.join(relative, name)));
    return /\.(ts|tsx)$/.test(relative) ? [relative] : [];
  }

  it("finds none", () => {
    const scanned = SCANNED.flatMap(files);
    expect(scanned.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const file of scanned) {
      readFileSync(path.join(ROOT, file), "utf8")
        .split("\n")
        .forEach((line, i) => {
          const code = line.trim();
          if (code.startsWith("*") || code.startsWith("//") || code.startsWith("/*")) return;
          if (!LITERAL.test(code)) return;
          if (ALLOWED.some(([f, text]) => f === file && code.includes(text))) return;
          found.push(`${file}:${i + 1}: ${code}`);
        });
    }
    expect(found, "use SUBSCRIPTION_STATUS.<name> or a group from lib/billing/subscription-status.ts").toEqual([]);
  });

  it("would find one (the scan can fail)", () => {
    expect(LITERAL.test(`if (s.status === "past_due") return;`)).toBe(true);
    expect(LITERAL.test("sql`status = 'trialing'`")).toBe(true);
    expect(LITERAL.test(`const label = "inactive";`)).toBe(false);
  });
});
