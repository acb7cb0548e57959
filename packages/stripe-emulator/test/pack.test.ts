/**
 * The package as a user gets it: `npm pack` (its prepack builds dist/), installed from the tarball into an empty
 * directory, started with `npx stripe-emulator`, used with the official SDK, and imported with require().
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorStripeClient } from "../src/index";

const run = promisify(execFile);
const PACKAGE_DIR = resolve(__dirname, "..");
const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8")) as {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** Files the build leaves out of dist/ (tsconfig.build.json `exclude`): tooling, which may use dev dependencies. */
const notShipped = new Set(
  (JSON.parse(readFileSync(join(PACKAGE_DIR, "tsconfig.build.json"), "utf8")) as { exclude?: string[] }).exclude?.map((p) =>
    resolve(PACKAGE_DIR, p),
  ) ?? [],
);

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

describe("npm pack → npm install <tgz> → npx stripe-emulator", () => {
  let work: string;
  let app: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "stripe-emulator-pack-"));
    const packed = await run("npm", ["pack", "--pack-destination", work, "--silent"], { cwd: PACKAGE_DIR, timeout: 180_000 });
    const tarball = join(work, packed.stdout.trim().split("\n").at(-1) ?? "");
    expect(tarball).toMatch(new RegExp(`${pkg.name}-${pkg.version.replace(/\./g, "\\.")}\\.tgz$`));
    app = join(work, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "empty-app", private: true }));
    await run("npm", ["install", tarball, "--no-audit", "--no-fund", "--loglevel=error"], { cwd: app, timeout: 180_000 });
  }, 400_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("starts with `npx stripe-emulator` on STRIPE_EMULATOR_PORT; the official SDK works against it, and `stripe-emulator fixtures` runs a file", async () => {
    const port = await freePort();
    const child: ChildProcess = spawn("npx", ["--no-install", "stripe-emulator"], {
      cwd: app,
      env: { ...process.env, STRIPE_EMULATOR_PORT: String(port), STRIPE_WEBHOOK_URL: "http://127.0.0.1:9/unused" },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let output = "";
      await new Promise<void>((ready, fail) => {
        const timer = setTimeout(() => fail(new Error(`not ready after 30 s: ${output}`)), 30_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(`stripe-emulator ready on http://127.0.0.1:${port}`)) {
            clearTimeout(timer);
            ready();
          }
        };
        child.stdout?.on("data", onData);
        child.stderr?.on("data", onData);
        child.once("exit", (code) => fail(new Error(`exited with ${code}: ${output}`)));
      });
      const url = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${url}/_emulator/health`)).json()).toEqual({ ok: true });
      const stripe = emulatorStripeClient(url);
      const customer = await stripe.customers.create({ email: "packed@example.com" });
      expect(customer).toMatchObject({ object: "customer", email: "packed@example.com" });
      expect((await stripe.customers.retrieve(customer.id)).id).toBe(customer.id);

      const fixture = join(app, "seed.json");
      writeFileSync(
        fixture,
        JSON.stringify({
          _meta: { template_version: 0 },
          fixtures: [
            { name: "product", path: "/v1/products", method: "post", params: { name: "Packed" } },
            {
              name: "price",
              path: "/v1/prices",
              method: "post",
              params: { product: "${product:id}", unit_amount: 700, currency: "usd", "recurring[interval]": "month" },
            },
          ],
        }),
      );
      const fixtures = await run("npx", ["--no-install", "stripe-emulator", "fixtures", fixture, "--url", url], {
        cwd: app,
        timeout: 60_000,
      });
      expect(fixtures.stdout).toMatch(/^ {2}price: price_/m);
      const prices = await stripe.prices.list();
      expect(prices.data.map((p) => p.unit_amount)).toEqual([700]);
    } finally {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
    }
  }, 120_000);

  it("require('stripe-emulator').startEmulator works from the installed package", async () => {
    const script =
      "require('stripe-emulator').startEmulator({ port: 0 }).then(async (h) => { const r = await fetch(h.url + '/_emulator/health'); console.log(h.url, JSON.stringify(await r.json())); await h.stop(); })";
    const { stdout } = await run("node", ["-e", script], { cwd: app, timeout: 60_000 });
    expect(stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+ \{"ok":true\}$/);
    const types = readFileSync(join(app, "node_modules", "stripe-emulator", "dist", "index.d.ts"), "utf8");
    expect(types).toContain("startEmulator");
    expect(types).toContain("runFixtures");
  }, 90_000);
});

describe("the package is self-contained", () => {
  function sourceFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|js|mjs|cjs)$/.test(name) ? [path] : [];
    });
  }

  it("nothing under src/ imports the app (`@/`) or anything outside the package; bare imports are its dependencies (dev ones only in files not shipped) or Node built-ins", () => {
    const problems: string[] = [];
    const files = sourceFiles(join(PACKAGE_DIR, "src"));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map(
        (m) => m[1],
      );
      for (const spec of specifiers) {
        const where = `${relative(PACKAGE_DIR, file)}: ${spec}`;
        if (spec.startsWith("@/")) problems.push(`${where} (the app's alias)`);
        else if (spec.startsWith(".")) {
          const target = resolve(dirname(file), spec);
          if (!target.startsWith(join(PACKAGE_DIR, "src") + sep)) problems.push(`${where} (outside src/)`);
        } else if (spec.startsWith("/")) problems.push(`${where} (absolute path)`);
        else {
          const name = spec.startsWith("node:")
            ? spec
            : spec
                .split("/")
                .slice(0, spec.startsWith("@") ? 2 : 1)
                .join("/");
          const allowed = notShipped.has(file) ? { ...pkg.dependencies, ...pkg.devDependencies } : pkg.dependencies;
          if (!name.startsWith("node:") && !builtinModules.includes(name) && !(name in allowed))
            problems.push(`${where} (not a dependency of the package)`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
