import { sql } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppDatabase } from "@/db/client";
import { POST as signUpRoute } from "@/app/api/account/route";
import { logger, redactConsoleErrors } from "@/lib/logger";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../helpers/db";
import { requestAs } from "../helpers/session";

/** Every line the app's logger writes while `run` runs, as the production process would print it. */
async function captureLogs(run: () => Promise<unknown>): Promise<string> {
  const stream = (logger as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym];
  const write = stream.write;
  const lines: string[] = [];
  const level = logger.level;
  stream.write = (line: string) => lines.push(line);
  logger.level = "info";
  try {
    await run();
  } finally {
    stream.write = write;
    logger.level = level;
  }
  return lines.join("");
}

describe.each(DATABASE_KINDS)("no query parameters in logs on %s", (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    setAppDatabase(database);
    // A real failing insert: Postgres refuses the row, and its error says which row ("Failing row contains …").
    await database.db.execute(sql`alter table users add constraint test_refuse_name check (name is distinct from 'Refuse Me')`);
  });
  afterAll(() => database.destroy());

  it("a failed sign-up insert logs the error (code, constraint, SQL) but neither the email nor the bcrypt hash", async () => {
    const email = `leak-check-${Date.now()}@example.com`;
    let status = 0;
    const output = await captureLogs(async () => {
      const res = await signUpRoute(
        await requestAs(null, "/api/account", { method: "POST", body: { email, password: "correct horse 9", name: "Refuse Me" } }),
      );
      status = res.status;
    });
    expect(status).toBe(500);
    expect(output).toContain("unhandled route error");
    // What an operator needs is still there.
    expect(output).toContain("23514");
    expect(output).toContain("test_refuse_name");
    expect(output).toMatch(/insert into \\?"users\\?"/);
    // What the statement carried is not: the address, the hash (sha256+$2…), the name.
    expect(output).not.toContain(email);
    expect(output).not.toContain("leak-check-");
    expect(output).not.toMatch(/sha256\+\$2/);
    expect(output).not.toContain("$2a$");
    expect(output).not.toContain("$2b$");
    expect(output).not.toContain("Refuse Me");
  });

  it("errors printed to the console (Next.js prints what a page throws) are redacted the same way", async () => {
    const email = `console-check-${Date.now()}@example.com`;
    const failure = await database.db
      .execute(
        sql`insert into users (email, name, password_hash) values (${email}, ${"Refuse Me"}, ${"sha256+$2b$12$abcdefghijklmnopqrstuv"})`,
      )
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(Error);
    const printed: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void printed.push(args);
    try {
      (globalThis as { __consoleRedacted?: boolean }).__consoleRedacted = undefined;
      redactConsoleErrors();
      console.error("page failed", failure);
    } finally {
      console.error = original;
      (globalThis as { __consoleRedacted?: boolean }).__consoleRedacted = undefined;
    }
    const { inspect } = await import("node:util");
    const text = printed
      .flat()
      .map((arg) => inspect(arg, { depth: 10 }))
      .join("\n");
    expect(text).toContain("23514");
    expect(text).not.toContain(email);
    expect(text).not.toContain("abcdefghijklmnopqrstuv");
  });
});
