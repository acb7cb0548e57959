/**
 * env/index.ts is the one place app/, components/, lib/, db/ and proxy.ts read `process.env`
 * (env/client.ts: the values Next.js inlines into browser bundles). Scripts, tests, the emulator
 * package, next.config.ts and instrumentation.ts (whose NEXT_RUNTIME check Next.js inlines per
 * runtime) read it directly.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { env, environmentProblems, InvalidEnvironmentError } from "@/env";

const SCANNED = ["app", "components", "lib", "db", "proxy.ts"];
const ALLOWED = new Set(["env/index.ts", "env/client.ts"]);

function sourceFiles(entry: string): string[] {
  if (/\.(ts|tsx)$/.test(entry)) return [entry];
  return readdirSync(entry, { withFileTypes: true }).flatMap((d) => {
    const child = path.posix.join(entry, d.name);
    return d.isDirectory() ? sourceFiles(child) : /\.(ts|tsx)$/.test(d.name) ? [child] : [];
  });
}

describe("environment access", () => {
  it("reads process.env only in env/", () => {
    const readers = SCANNED.flatMap(sourceFiles)
      .filter((file) => !ALLOWED.has(file))
      .flatMap((file) =>
        readFileSync(file, "utf8")
          .split("\n")
          .flatMap((line, i) => (/\bprocess\s*(\.\s*env\b|\[\s*["'`]env["'`]\s*\])/.test(line) ? [`${file}:${i + 1}`] : [])),
      );
    expect(readers).toEqual([]);
  });
});

describe("env (env/index.ts)", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ["LOG_LEVEL", "STRIPE_EMULATOR_URL", "BCRYPT_ROUNDS", "SMTP_URL", "SUPPORT_EMAIL"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it("reads each variable when it is accessed, not at import (tests and late configuration see the current value)", () => {
    process.env.STRIPE_EMULATOR_URL = "http://127.0.0.1:1";
    expect(env.STRIPE_EMULATOR_URL).toBe("http://127.0.0.1:1");
    process.env.STRIPE_EMULATOR_URL = "http://127.0.0.1:2";
    expect(env.STRIPE_EMULATOR_URL).toBe("http://127.0.0.1:2");
    process.env.SUPPORT_EMAIL = "";
    expect(env.SUPPORT_EMAIL).toBeUndefined(); // empty counts as unset
  });

  it("rejects an invalid value where it is read, naming the variable and never echoing the value", () => {
    process.env.SMTP_URL = "mail.example.com:25?password=hunter22";
    expect(() => env.SMTP_URL).toThrow(InvalidEnvironmentError);
    expect(() => env.SMTP_URL).toThrow(/^Environment variable SMTP_URL must be a URL \(smtp: or smtps:\)\.$/);
    process.env.BCRYPT_ROUNDS = "3";
    expect(() => env.BCRYPT_ROUNDS).toThrow(/BCRYPT_ROUNDS must be a whole number from 4 to 31/);
    process.env.LOG_LEVEL = "verbose";
    expect(() => env.LOG_LEVEL).toThrow(/LOG_LEVEL must be one of: fatal, error/);
    expect(environmentProblems()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Environment variable LOG_LEVEL /),
        expect.stringMatching(/^Environment variable BCRYPT_ROUNDS /),
        expect.stringMatching(/^Environment variable SMTP_URL /),
      ]),
    );
    expect(environmentProblems().join("\n")).not.toContain("hunter22");
  });

  it("refuses a variable it does not declare, so no setting bypasses the schema", () => {
    expect(() => (env as unknown as Record<string, string | undefined>).STRIPE_SECRET_KAY).toThrow(
      /STRIPE_SECRET_KAY is not declared in env\/index.ts/,
    );
  });

  it("validates a whole environment for start-up (instrumentation.ts)", () => {
    expect(environmentProblems({ NODE_ENV: "production", DATABASE_URL: "postgres://u:p@db:5432/app", RATE_LIMITS: "off" })).toEqual([]);
    expect(environmentProblems({ DATABASE_URL: "mysql://db/app", SEED_DEMO_ACCOUNTS: "yes" })).toEqual([
      "Environment variable DATABASE_URL must be a URL (postgres: or postgresql:).",
      "Environment variable SEED_DEMO_ACCOUNTS must be one of: true, false.",
    ]);
  });
});
