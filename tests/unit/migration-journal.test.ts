import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Drizzle's migrator applies only the migrations dated after the last one a database has applied, so a migration
 * generated with an earlier `when` than one already committed (a clock behind a hand-set date, or a rebase) would be
 * skipped silently on every existing database. The journal must be in file order, strictly increasing, and list every
 * .sql file exactly once.
 */
describe("db/migrations journal", () => {
  const folder = path.join(process.cwd(), "db", "migrations");
  const journal = JSON.parse(readFileSync(path.join(folder, "meta", "_journal.json"), "utf8")) as {
    entries: Array<{ idx: number; when: number; tag: string }>;
  };

  it("dates every migration after the one before it, in index order", () => {
    journal.entries.forEach((entry, i) => {
      expect(entry.idx, entry.tag).toBe(i);
      if (i > 0)
        expect(entry.when, `${entry.tag} is dated before ${journal.entries[i - 1].tag}`).toBeGreaterThan(journal.entries[i - 1].when);
    });
  });

  it("lists every migration file once, numbered as the journal", () => {
    const files = readdirSync(folder)
      .filter((f) => f.endsWith(".sql"))
      .sort();
    expect(files).toEqual(journal.entries.map((e) => `${e.tag}.sql`));
    for (const entry of journal.entries) expect(entry.tag.startsWith(String(entry.idx).padStart(4, "0") + "_"), entry.tag).toBe(true);
  });
});
