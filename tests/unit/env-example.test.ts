import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const readme = readFileSync("README.md", "utf8");
const example = readFileSync(".env.example", "utf8");

/** Variables named in the first column of the README's "## Configuration" table. */
function documentedVariables(): string[] {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? "";
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  return rows.flatMap((row) => [...row.split("|")[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]));
}

describe(".env.example", () => {
  it("lists every variable of the README's configuration table", () => {
    const variables = documentedVariables();
    expect(variables.length).toBeGreaterThan(20);
    const listed = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect(variables.filter((name) => !listed.has(name))).toEqual([]);
  });

  it("sets nothing (every line is a comment) and holds no secret", () => {
    const active = example.split("\n").filter((line) => line.trim() && !line.startsWith("#"));
    expect(active).toEqual([]);
    expect(example).not.toMatch(/(sk|rk)_(live|test)_[A-Za-z0-9]{8,}|whsec_(?!emulator_dev_secret)[A-Za-z0-9]{8,}/);
  });
});
