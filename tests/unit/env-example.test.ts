import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const configuration = readFileSync("docs/configuration.md", "utf8");
const example = readFileSync(".env.example", "utf8");

/** Variables named in the first column of the configuration table (docs/configuration.md). */
function documentedVariables(): string[] {
  const rows = configuration.split("\n").filter((line) => line.startsWith("| `"));
  return rows.flatMap((row) => [...row.split("|")[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]));
}

describe(".env.example", () => {
  it("lists every variable of the configuration table in docs/configuration.md", () => {
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
