import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The README and docs/ name the files that do what they describe. These tests fail when a file or
 * directory a doc names (a backticked repo path) no longer exists, or when a link between the docs
 * (a file, or a heading's anchor in it) no longer resolves: a rename has to take the docs along.
 */

const root = process.cwd();
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

/** Not in the repository (ignored or generated): a doc may name them, nothing checks them. */
const UNTRACKED = new Set([".git", ".next", ".data", "node_modules", "test-results", "coverage", "playwright-report"]);

const docFiles = [
  "README.md",
  ...readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** Every file of the repository (relative paths), to find bare file names and globs. */
function repoFiles(dir = ""): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    if (UNTRACKED.has(entry.name)) return [];
    const relative = dir ? `${dir}/${entry.name}` : entry.name;
    return entry.isDirectory() ? [relative + "/", ...repoFiles(relative)] : [relative];
  });
}
const files = repoFiles();
const topLevelDirs = new Set(files.filter((f) => /^[^/]+\/$/.test(f)).map((f) => f.slice(0, -1)));

/** The text outside fenced code blocks (a sketch in a code block may name a file that is not ours). */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
}

const CODE_FILE = /^[\w.-]+\.(ts|tsx|mts|js|mjs|cjs|json|ya?ml|md|sql|css|ini|cfg|sh|patch)$/;

/** Backticked spans that name a repo path: under a top-level directory, or a bare file name. */
function namedPaths(markdown: string): string[] {
  const spans = [...prose(markdown).matchAll(/`([^`\n]+)`/g)].map((m) => m[1].trim().replace(/:\d+$/, ""));
  return [
    ...new Set(
      spans.filter((span) => {
        if (/\s/.test(span)) return false;
        const first = span.split("/")[0];
        return (span.includes("/") && topLevelDirs.has(first)) || CODE_FILE.test(span);
      }),
    ),
  ];
}

function pathExists(named: string): boolean {
  if (named.includes("*")) {
    const pattern = new RegExp(
      "^" +
        named
          .split("*")
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join("[^/]*") +
        "$",
    );
    return files.some((f) => pattern.test(f));
  }
  if (named.includes("/")) return existsSync(path.join(root, named));
  return files.some((f) => f === named || f.endsWith("/" + named)); // a bare name: somewhere in the repo
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Relative links of a markdown file, as [target file, anchor]. */
function relativeLinks(file: string): { link: string; target: string; anchor?: string }[] {
  const links = [...prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  return links
    .filter((link) => !/^[a-z]+:/i.test(link))
    .map((link) => {
      const [target, anchor] = link.split("#");
      return { link, target: target ? path.posix.normalize(path.posix.join(path.posix.dirname(file), target)) : file, anchor };
    });
}

describe("docs", () => {
  it("the README stays a five-minute read and links to docs/ for the rest", () => {
    const readme = read("README.md");
    expect(readme.split("\n").length).toBeLessThanOrEqual(200);
    expect(relativeLinks("README.md").map((l) => l.target)).toEqual(
      expect.arrayContaining(["docs/README.md", "docs/architecture.md", "docs/billing.md", "docs/metering.md", "docs/deploying.md"]),
    );
  });

  it.each(docFiles)("every repo path %s names exists", (file) => {
    const named = namedPaths(read(file));
    if (file.startsWith("docs/") && file !== "docs/README.md") expect(named.length).toBeGreaterThanOrEqual(3);
    expect(named.filter((p) => !pathExists(p))).toEqual([]);
  });

  it.each(docFiles)("every link in %s resolves, to a file and its heading", (file) => {
    const broken = relativeLinks(file).filter(({ target, anchor }) => {
      if (!existsSync(path.join(root, target))) return true;
      if (!anchor || statSync(path.join(root, target)).isDirectory() || !target.endsWith(".md")) return false;
      return !anchors(read(target)).has(anchor);
    });
    expect(broken.map((b) => b.link)).toEqual([]);
  });

  it("docs/README.md lists every doc", () => {
    const index = read("docs/README.md");
    const listed = docFiles
      .filter((f) => f.startsWith("docs/") && f !== "docs/README.md")
      .filter((f) => !index.includes(`(${path.basename(f)})`));
    expect(listed).toEqual([]);
  });

  it("the checks can fail: a missing path, a missing file and a missing anchor are caught", () => {
    expect(namedPaths("see `lib/billing/no-such-file.ts` and `app/api/billing`").filter((p) => !pathExists(p))).toEqual([
      "lib/billing/no-such-file.ts",
    ]);
    expect(namedPaths("`no-such-module.ts`, `/api/billing/plans`, `npm test`").filter((p) => !pathExists(p))).toEqual([
      "no-such-module.ts",
    ]);
    expect(anchors("# A `code` heading: with (punctuation)\n## Again\n## Again")).toEqual(
      new Set(["a-code-heading-with-punctuation", "again", "again-1"]),
    );
  });
});
