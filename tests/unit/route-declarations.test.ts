import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ACCESS_KINDS } from "@/lib/http/access";
import { API_METHODS, UNKNOWN_API_ROUTE_FILE, apiPathOfRouteFile } from "@/lib/http/api-methods";
import { methodNotAllowed } from "@/lib/http/method-not-allowed";
import type { RouteHandler } from "@/lib/http/route";
import { ROUTE_MATRIX } from "../e2e/route-matrix";

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
const WRITE_METHODS: readonly string[] = ["POST", "PUT", "PATCH", "DELETE"];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

const appFiles = filesUnder("app").map((f) => f.split(path.sep).join("/"));
const routeFiles = appFiles.filter((f) => f.endsWith("/route.ts"));
const pageFiles = appFiles.filter((f) => /\/page\.(tsx|ts|jsx|js)$/.test(f));

describe("every route and page is declared and in the authorization matrix", () => {
  it("finds the app's routes and pages", () => {
    expect(routeFiles.length).toBeGreaterThan(10);
    expect(pageFiles).toContain("app/billing/page.tsx");
  });

  it.each(pageFiles)("%s is in the matrix", (file) => {
    expect(ROUTE_MATRIX.filter((row) => row.file === file && row.access === "page")).not.toHaveLength(0);
  });

  it.each(routeFiles)("%s: every exported method is built with route() and in the matrix", async (file) => {
    const mod = (await import(`@/${file.replace(/\.ts$/, "")}`)) as Record<string, unknown>;
    const exported = HTTP_METHODS.filter((m) => m in mod);
    // Write methods a route does not serve are exported as methodNotAllowed (a JSON 405 even with a body).
    const refused = exported.filter((m) => mod[m] === methodNotAllowed);
    const methods = exported.filter((m) => !refused.includes(m));
    expect(methods, "a route.ts must serve at least one method").not.toHaveLength(0);
    expect(
      WRITE_METHODS.filter((m) => !(exported as readonly string[]).includes(m)),
      `${file} must export methodNotAllowed for these`,
    ).toEqual([]);
    for (const method of methods) {
      const handler = mod[method] as RouteHandler;
      expect(handler.spec, `${method} ${file} must be declared with route() from lib/http/route`).toBeDefined();
      expect(ACCESS_KINDS).toContain(handler.spec.access);
      if (method === "HEAD" || method === "OPTIONS") continue;
      const rows = ROUTE_MATRIX.filter((row) => row.file === file && row.method === method);
      expect(rows, `${method} ${file} is missing from tests/e2e/route-matrix.ts`).not.toHaveLength(0);
      for (const row of rows) expect(row.access, `${method} ${file}: matrix access`).toBe(handler.spec.access);
    }
    // proxy.ts answers 404/405 from this table, so it must name exactly these methods.
    if (file === UNKNOWN_API_ROUTE_FILE) return;
    expect([...(API_METHODS[apiPathOfRouteFile(file)] ?? [])].sort(), `lib/http/api-methods.ts for ${file}`).toEqual(
      methods.filter((m) => m !== "HEAD" && m !== "OPTIONS").sort(),
    );
  });

  it("lists no API path without a route.ts", () => {
    const served = routeFiles.filter((f) => f !== UNKNOWN_API_ROUTE_FILE).map(apiPathOfRouteFile);
    expect(Object.keys(API_METHODS).sort()).toEqual(served.sort());
  });

  it("has no row for a file that no longer exists", () => {
    for (const row of ROUTE_MATRIX) expect(appFiles).toContain(row.file);
  });
});
