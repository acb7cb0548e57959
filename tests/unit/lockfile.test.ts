/**
 * package-lock.json must keep every platform's native binaries of the packages that ship them
 * (Next's SWC, Tailwind's oxide and lightningcss, Rollup). A lockfile written by an npm that pruned
 * the other platforms' entries makes `npm ci` fail (or install no binary) on macOS, Windows, Alpine
 * and npm 11, and the Dockerfile runs `npm ci`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface LockPackage {
  version?: string;
  resolved?: string;
  integrity?: string;
  os?: string[];
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
}
interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockPackage>;
}

/** The packages whose platform binaries must all be locked, and the prefix those binaries share. */
const NATIVE_FAMILIES: Array<{ parent: string; binaries: RegExp }> = [
  { parent: "next", binaries: /^@next\/swc-/ },
  { parent: "@tailwindcss/oxide", binaries: /^@tailwindcss\/oxide-/ },
  { parent: "lightningcss", binaries: /^lightningcss-/ },
  { parent: "rollup", binaries: /^@rollup\/rollup-/ },
];
const REQUIRED_OS = ["darwin", "linux", "win32"];

const packageName = (key: string) => key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);

/** Where npm resolves `name` from the package at `from`: its own node_modules, then each parent's. */
function resolveFrom(lock: Lockfile, from: string, name: string): LockPackage | undefined {
  let base = from;
  for (;;) {
    const hit = lock.packages[`${base ? `${base}/` : ""}node_modules/${name}`];
    if (hit) return hit;
    if (!base) return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}

/** Every problem with the lockfile's native binaries; empty when all are there. */
function missingNativeBinaries(lock: Lockfile): string[] {
  const problems: string[] = [];
  for (const family of NATIVE_FAMILIES) {
    const parents = Object.keys(lock.packages).filter((key) => key.startsWith("node_modules/") && packageName(key) === family.parent);
    if (parents.length === 0) problems.push(`${family.parent} is not in the lockfile`);
    for (const parent of parents) {
      const wanted = Object.keys(lock.packages[parent].optionalDependencies ?? {}).filter((name) => family.binaries.test(name));
      if (wanted.length === 0) problems.push(`${parent} declares no ${family.binaries} optional dependencies`);
      const systems = new Set<string>();
      for (const name of wanted) {
        const entry = resolveFrom(lock, parent, name);
        if (!entry || !entry.version || !entry.integrity) {
          problems.push(`${parent} needs ${name}, which the lockfile lacks`);
          continue;
        }
        for (const os of entry.os ?? []) systems.add(os);
      }
      for (const os of REQUIRED_OS) if (!systems.has(os)) problems.push(`${parent} has no ${os} binary`);
    }
  }
  return problems;
}

const lockfile = JSON.parse(readFileSync("package-lock.json", "utf8")) as Lockfile;

describe("package-lock.json", () => {
  it("keeps every platform's native binaries of next, tailwind (oxide, lightningcss) and rollup", () => {
    expect(lockfile.lockfileVersion).toBe(3);
    expect(missingNativeBinaries(lockfile)).toEqual([]);
  });

  it("the check catches a lockfile pruned to one platform", () => {
    const pruned: Lockfile = { ...lockfile, packages: { ...lockfile.packages } };
    for (const key of Object.keys(pruned.packages)) {
      const entry = pruned.packages[key];
      if (entry.optional && entry.os && !entry.os.includes("linux")) delete pruned.packages[key];
    }
    const problems = missingNativeBinaries(pruned);
    expect(problems).toEqual(
      expect.arrayContaining([
        "node_modules/next needs @next/swc-darwin-arm64, which the lockfile lacks",
        "node_modules/next has no win32 binary",
      ]),
    );
    expect(problems.some((p) => p.startsWith("node_modules/rollup needs @rollup/rollup-win32"))).toBe(true);
    expect(problems.some((p) => p.startsWith("node_modules/@tailwindcss/oxide needs @tailwindcss/oxide-darwin"))).toBe(true);
  });
});
