/**
 * Every lib/ module is a server module and says so with `import "server-only"` (Next.js then fails
 * the build if a client component imports it, instead of shipping database code or secrets to the
 * browser), except the client-safe modules listed here (and STANDALONE code the README quotes for
 * other apps to copy). The client-safe ones must stay so: nothing they
 * import, however indirectly, is a server-only module, db/, env/index.ts or a Node.js built-in.
 * Outside Next.js (Vitest, tsx, Playwright) `server-only` resolves to Next's no-op module
 * (vitest.config.ts alias, tsconfig.json "paths").
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** lib/ modules client components may import (app/ and components/ files marked "use client"). */
const CLIENT_SAFE = new Set([
  "lib/accounts/selection.ts",
  "lib/auth/callback-url.ts",
  "lib/billing/plan-change-policy.ts",
  "lib/billing/plans.ts",
  "lib/billing/subscription-status.ts",
  "lib/format.ts",
  "lib/support-default.ts",
]);

/** Server code that stays free of Next.js markers: the README shows it verbatim for other apps to copy. */
const STANDALONE = new Set(["lib/webhooks-out/verify.ts"]);

const SERVER_ONLY = /^import "server-only";$/m;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const child = path.posix.join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(child);
    return /\.tsx?$/.test(d.name) && !d.name.endsWith(".d.ts") ? [child] : [];
  });
}

/** The specifiers a file imports at run time (type-only imports and exports are erased). */
function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^;"']*?\sfrom\s+)?["']([^"']+)["']/gm)) {
    if (!m[1]) specifiers.push(m[2]);
  }
  for (const m of source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) specifiers.push(m[1]);
  return specifiers;
}

/** A project file for an `@/…` or relative specifier, or the specifier itself for a package. */
function resolve(from: string, specifier: string): string {
  if (!specifier.startsWith("@/") && !specifier.startsWith(".")) return specifier;
  const base = specifier.startsWith("@/") ? specifier.slice(2) : path.posix.join(path.posix.dirname(from), specifier);
  return [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`, base].find((candidate) => existsSync(candidate)) ?? base;
}

const isClientComponent = (file: string) => /^\s*(\/\*[\s\S]*?\*\/\s*)?["']use client["']/.test(readFileSync(file, "utf8"));

describe("server-only", () => {
  const libFiles = sourceFiles("lib");

  it("marks every lib/ module but the client-safe ones", () => {
    expect(libFiles.length).toBeGreaterThan(100);
    const unmarked = libFiles.filter(
      (file) => !CLIENT_SAFE.has(file) && !STANDALONE.has(file) && !SERVER_ONLY.test(readFileSync(file, "utf8")),
    );
    expect(unmarked).toEqual([]);
    for (const file of [...CLIENT_SAFE, ...STANDALONE]) expect(libFiles, `${file} is listed but does not exist`).toContain(file);
  });

  it("keeps the client-safe modules free of server code, however indirectly", () => {
    const problems: string[] = [];
    const seen = new Set<string>();
    const visit = (file: string, via: string[]) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of runtimeImports(readFileSync(file, "utf8"))) {
        const target = resolve(file, specifier);
        const chain = [...via, file].join(" → ");
        if (specifier === "server-only" || /^node:/.test(specifier) || /^(db|env\/index)\b/.test(target) || target === "env") {
          problems.push(`${chain} imports ${specifier}`);
        } else if (target.startsWith("lib/") && !CLIENT_SAFE.has(target)) {
          problems.push(`${chain} imports ${target}, which is not client-safe`);
        } else if (/^(lib|components|app)\/.*\.tsx?$/.test(target)) {
          visit(target, [...via, file]);
        }
      }
    };
    for (const file of CLIENT_SAFE) visit(file, []);
    expect(problems).toEqual([]);
  });

  it("lets client components import only client-safe lib/ modules (Next.js would fail the build)", () => {
    const clientFiles = [...sourceFiles("app"), ...sourceFiles("components")].filter(isClientComponent);
    expect(clientFiles.length).toBeGreaterThan(10);
    const problems: string[] = [];
    const seen = new Set<string>();
    const visit = (file: string, via: string[]) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const specifier of runtimeImports(readFileSync(file, "utf8"))) {
        const target = resolve(file, specifier);
        if (target.startsWith("lib/") && !CLIENT_SAFE.has(target)) problems.push(`${[...via, file].join(" → ")} imports ${target}`);
        else if (/^(components|app)\/.*\.tsx?$/.test(target)) visit(target, [...via, file]);
      }
    };
    for (const file of clientFiles) visit(file, []);
    expect(problems).toEqual([]);
  });
});
