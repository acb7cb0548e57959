/**
 * `stripe fixtures` for the emulator: runs a Stripe CLI fixture file (the CLI's format, github.com/stripe/stripe-cli
 * pkg/fixtures) against an emulator URL.
 *
 *   { "_meta": { "template_version": 0 },
 *     "fixtures": [ { "name": "customer", "path": "/v1/customers", "method": "post", "params": { … } },
 *                   { "name": "sub", "path": "/v1/subscriptions", "method": "post",
 *                     "params": { "customer": "${customer:id}", "items": [{ "price": "${price:id}" }] } } ],
 *     "env": { "PRICE": "${price:id}" } }
 *
 * References: `${name:path.to.field}` (an earlier fixture's response, `data.0.id` indexes arrays, `#` is an array's
 * length), `${name:path|default}`, `${.env:VAR}` (the environment, then `.env` in the working directory),
 * `${time-now-RFC3339}` and `${generate-uuid}`. Params are form-encoded as the CLI does (a list of strings as `a[]=x`,
 * a list of objects as `a[0][k]=x`; a key may carry brackets itself: `"recurring[interval]": "month"`); `/v2/` POSTs
 * send JSON. A fixture with `expected_error_type` may fail with that error type.
 *
 * Where the CLI is silent, this runner is strict: a reference to a fixture that has not run, or to a field its
 * response does not have (and no `|default`), or to an unset environment variable is an error naming the fixture.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface FixtureRequest {
  name: string;
  path: string;
  method: string;
  params?: Record<string, unknown>;
  expected_error_type?: string;
  idempotency_key?: string;
  headers?: Record<string, string>;
  api_base?: string;
  context?: string;
}

export interface FixtureFile {
  _meta?: { template_version?: number; exclude_metadata?: boolean; aliases?: string[] };
  fixtures: FixtureRequest[];
  env?: Record<string, string>;
}

export interface RunFixturesOptions {
  /** The emulator's base URL (default `STRIPE_EMULATOR_URL` or http://127.0.0.1:12111). */
  url?: string;
  /** Default `sk_test_emulator`. */
  apiKey?: string;
  /** Sent as `Stripe-Version` (the CLI's `--api-version`). */
  apiVersion?: string;
  /** Fixture names not to run (`--skip`). */
  skip?: string[];
  /** `name:path.to.param=value` (`--override`: sets or replaces a param). */
  override?: string[];
  /** `name:path.to.param=value` (`--add`: sets a param only if it is not already set). */
  add?: string[];
  /** `name:path.to.param` (`--remove`). */
  remove?: string[];
  /** Responses to start from, by name: a skipped fixture's stand-in (for example an existing customer). */
  responses?: Record<string, unknown>;
  /** Where `${.env:VAR}` looks after `process.env` (default: `.env` in the working directory). */
  envFile?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface FixtureRun {
  /** Each fixture's response body, by name (an expected error's body too). */
  responses: Record<string, unknown>;
  /** The file's `env` block with its references resolved (the CLI writes these into `.env`). */
  env: Record<string, string>;
}

export class FixtureError extends Error {
  constructor(
    message: string,
    readonly fixture?: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = "FixtureError";
  }
}

const REFERENCE = /\$\{([^|}:]+):([^|}]+)(?:\|([^}]*))?\}/g;

/** Reads and checks a fixture file (JSON). */
export function loadFixtureFile(path: string): FixtureFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new FixtureError(`Cannot read the fixture file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return validateFixtureFile(data, path);
}

function validateFixtureFile(data: unknown, where: string): FixtureFile {
  const file = data as FixtureFile;
  if (!file || typeof file !== "object" || !Array.isArray(file.fixtures))
    throw new FixtureError(`${where}: a fixture file needs a "fixtures" list.`);
  const version = file._meta?.template_version ?? 0;
  if (version > 0) throw new FixtureError(`Fixture version not supported: ${version}`);
  const names = new Set<string>();
  file.fixtures.forEach((f, i) => {
    if (!f || typeof f.name !== "string" || !f.name) throw new FixtureError(`${where}: fixture #${i + 1} has no "name".`);
    if (typeof f.path !== "string" || typeof f.method !== "string")
      throw new FixtureError(`${where}: fixture "${f.name}" needs a "path" and a "method".`);
    if (!/^(get|post|delete)$/i.test(f.method))
      throw new FixtureError(`${where}: fixture "${f.name}" has method "${f.method}" (get, post or delete).`);
    if (f.api_base)
      throw new FixtureError(`${where}: fixture "${f.name}" sets api_base; the emulator runs every fixture against its own URL.`);
    if (names.has(f.name)) throw new FixtureError(`${where}: two fixtures are named "${f.name}".`);
    names.add(f.name);
  });
  return file;
}

/** Levenshtein distance, for "Perhaps you meant" (a typo such as `prodcut` for `product`). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** A gjson-style path: `a.b.0.c`, `\.` escapes a dot, `#` is an array's length. */
function lookup(value: unknown, path: string): unknown {
  const keys = path.split(/(?<!\\)\./).map((k) => k.replace(/\\\./g, "."));
  let current = value;
  for (const key of keys) {
    if (key === "#" && Array.isArray(current)) return current.length;
    if (current === null || current === undefined || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function readDotEnv(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)\s*$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2");
  }
  return out;
}

class Resolver {
  private dotEnv: Record<string, string> | null = null;
  constructor(
    readonly responses: Record<string, unknown>,
    private readonly envFile: string,
  ) {}

  /** Resolves every reference in `text`; `fixture` names the fixture being prepared, for errors. */
  string(text: string, fixture: string): string {
    if (text === "${time-now-RFC3339}") return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    if (text === "${generate-uuid}") return randomUUID();
    return text.replace(REFERENCE, (_match, name: string, query: string, fallback: string | undefined) => {
      if (name === ".env") {
        this.dotEnv ??= readDotEnv(this.envFile);
        const value = process.env[query] || this.dotEnv[query];
        if (value) return value;
        if (fallback !== undefined) return fallback;
        throw new FixtureError(
          `fixture "${fixture}": \${.env:${query}} has no value (set ${query} in the environment or in .env).`,
          fixture,
        );
      }
      if (!(name in this.responses)) {
        const similar = Object.keys(this.responses).filter((k) => {
          const a = k.toLowerCase().replace(/[-_]/g, "");
          const b = name.toLowerCase().replace(/[-_]/g, "");
          return a.includes(b) || b.includes(a) || editDistance(a, b) <= 2;
        });
        throw new FixtureError(
          `fixture "${fixture}": an undeclared fixture name was referenced: ${name} (in \${${name}:${query}}; fixtures that ran before it: ${Object.keys(this.responses).join(", ") || "none"})` +
            (similar.length ? `. Perhaps you meant one of the following: ${similar.join(", ")}` : ""),
          fixture,
        );
      }
      const value = lookup(this.responses[name], query);
      if (value === undefined || value === null || (typeof value === "object" && !Array.isArray(value))) {
        if (fallback !== undefined) return fallback;
        throw new FixtureError(
          `fixture "${fixture}": \${${name}:${query}} — the response of "${name}" has ${value === null ? "null" : value === undefined ? "no value" : "an object"} at ${query}.`,
          fixture,
        );
      }
      return Array.isArray(value) ? JSON.stringify(value) : String(value);
    });
  }
}

/** The CLI's form encoding (pkg/parsers ParseToFormData). */
function formPairs(params: Record<string, unknown>, resolver: Resolver, fixture: string): [string, string][] {
  const out: [string, string][] = [];
  const scalar = (key: string, value: unknown) => {
    if (typeof value === "string") out.push([key, resolver.string(value, fixture)]);
    // Numbers as the CLI writes them: 10 → "10", 25.50 → "25.5" (never exponent notation).
    else if (typeof value === "number") out.push([key, Number.isInteger(value) ? BigInt(value).toString() : String(value)]);
    else if (typeof value === "boolean") out.push([key, String(value)]);
  };
  const map = (obj: Record<string, unknown>, parent: string, index: number) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = parent && index >= 0 ? `${parent}[${index}][${k}]` : parent ? `${parent}[${k}]` : k;
      if (Array.isArray(v)) list(v, key);
      else if (v && typeof v === "object") map(v as Record<string, unknown>, key, -1);
      else scalar(key, v);
    }
  };
  const list = (arr: unknown[], parent: string) => {
    let index = -1;
    for (const v of arr) {
      if (Array.isArray(v)) list(v, parent);
      else if (v && typeof v === "object") map(v as Record<string, unknown>, parent, ++index);
      else if (typeof v === "string" || typeof v === "number") scalar(`${parent}[]`, v);
    }
  };
  map(params, "", -1);
  return out;
}

function jsonBody(value: unknown, resolver: Resolver, fixture: string): unknown {
  if (typeof value === "string") {
    const parsed = resolver.string(value, fixture);
    if ((parsed.startsWith("[") && parsed.endsWith("]")) || (parsed.startsWith("{") && parsed.endsWith("}"))) {
      try {
        return JSON.parse(parsed) as unknown;
      } catch {
        return parsed;
      }
    }
    return parsed;
  }
  if (Array.isArray(value)) return value.map((v) => jsonBody(v, resolver, fixture));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonBody(v, resolver, fixture)]));
  return value;
}

/** `name:a.b=value` rewrites (the CLI's --override / --add / --remove). */
function rewrite(file: FixtureFile, rules: string[], mode: "override" | "add" | "remove"): void {
  for (const rule of rules) {
    const eq = rule.indexOf("=");
    const target = mode === "remove" || eq < 0 ? rule : rule.slice(0, eq);
    if (mode !== "remove" && eq < 0)
      throw new FixtureError(
        `Invalid value for ${mode} flag (${rule}). The ${mode} flag requires a value to set (--${mode} fixtureName:path.to.param=value).`,
      );
    const colon = target.indexOf(":");
    if (colon < 0) {
      throw new FixtureError(
        `Invalid value for ${mode} flag (${rule}). The ${mode} flag requires the name of the fixture to apply (--${mode} fixtureName:path.to.param${mode === "remove" ? "" : "=value"}).\n\nValid fixture names are: ${file.fixtures.map((f) => f.name).join(", ")}`,
      );
    }
    const name = target.slice(0, colon);
    const fixture = file.fixtures.find((f) => f.name === name);
    if (!fixture)
      throw new FixtureError(
        `Invalid value for ${mode} flag (${rule}): no fixture is named "${name}". Valid fixture names are: ${file.fixtures.map((f) => f.name).join(", ")}`,
      );
    const keys = target.slice(colon + 1).split(".");
    fixture.params ??= {};
    let obj = fixture.params;
    for (const key of keys.slice(0, -1)) {
      if (!obj[key] || typeof obj[key] !== "object") {
        if (mode === "remove") break;
        obj[key] = {};
      }
      obj = obj[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    if (mode === "remove") delete obj[last];
    else if (mode === "override" || !(last in obj)) obj[last] = rule.slice(eq + 1);
  }
}

/**
 * Runs a fixture file (a path or its parsed content) against the emulator, in order, and returns every response. The
 * first request that fails (other than with its `expected_error_type`) stops the run with a FixtureError naming it.
 */
export async function runFixtures(source: string | FixtureFile, options: RunFixturesOptions = {}): Promise<FixtureRun> {
  const file: FixtureFile = typeof source === "string" ? loadFixtureFile(source) : validateFixtureFile(structuredClone(source), "fixtures");
  rewrite(file, options.override ?? [], "override");
  rewrite(file, options.add ?? [], "add");
  rewrite(file, options.remove ?? [], "remove");
  const base = (options.url ?? process.env.STRIPE_EMULATOR_URL ?? "http://127.0.0.1:12111").replace(/\/$/, "");
  const resolver = new Resolver({ ...(options.responses ?? {}) }, options.envFile ?? join(process.cwd(), ".env"));
  const log = options.log ?? (() => {});

  for (const fixture of file.fixtures) {
    if (options.skip?.includes(fixture.name)) {
      log(`Skipping fixture for: ${fixture.name}`);
      continue;
    }
    log(`Running fixture for: ${fixture.name}`);
    const method = fixture.method.toUpperCase();
    const path = resolver.string(fixture.path, fixture.name).replace(/\/{2,}/g, "/");
    if (!/^\/v[12]\//.test(path))
      throw new FixtureError(`fixture path "${fixture.path}" is not a valid Stripe API path (must start with /v1/ or /v2/)`, fixture.name);
    const headers: Record<string, string> = { Authorization: `Bearer ${options.apiKey ?? "sk_test_emulator"}` };
    if (options.apiVersion) headers["Stripe-Version"] = options.apiVersion;
    if (fixture.idempotency_key) headers["Idempotency-Key"] = resolver.string(fixture.idempotency_key, fixture.name);
    for (const [k, v] of Object.entries(fixture.headers ?? {})) headers[k] = resolver.string(v, fixture.name);
    let url = `${base}${path}`;
    let body: string | undefined;
    if (path.startsWith("/v2/") && method === "POST") {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(jsonBody(fixture.params ?? {}, resolver, fixture.name));
    } else {
      const encoded = new URLSearchParams(formPairs(fixture.params ?? {}, resolver, fixture.name)).toString();
      if (method === "POST") {
        headers["Content-Type"] = "application/x-www-form-urlencoded";
        body = encoded;
      } else if (encoded) {
        url += `${url.includes("?") ? "&" : "?"}${encoded}`;
      }
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      throw new FixtureError(
        `fixture "${fixture.name}": no answer from ${base} (${err instanceof Error ? err.message : String(err)}). Is the emulator running?`,
        fixture.name,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const error = (parsed as { error?: { type?: string; message?: string } }).error;
      if (!fixture.expected_error_type || error?.type !== fixture.expected_error_type) {
        throw new FixtureError(
          `fixture "${fixture.name}" (${method} ${path}) failed: ${res.status} ${error?.type ?? ""}: ${error?.message ?? text.slice(0, 300)}`,
          fixture.name,
          res.status,
          parsed,
        );
      }
      log(`  ${fixture.name}: expected ${error.type}`);
    }
    resolver.responses[fixture.name] = parsed;
  }

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(file.env ?? {})) env[key] = resolver.string(value, `env.${key}`);
  return { responses: resolver.responses, env };
}

export const FIXTURES_USAGE = `usage: stripe-emulator fixtures <file.json> [--url http://127.0.0.1:12111] [--api-version 2026-10-28.endive]
                                [--skip name] [--override name:path=value] [--add name:path=value] [--remove name:path]

Runs a Stripe CLI fixture file (\`stripe fixtures\` format) against the emulator: STRIPE_EMULATOR_URL or --url, default
http://127.0.0.1:12111.`;

/** `stripe-emulator fixtures …` / `npm run stripe:fixtures …`: returns the process exit code. */
export async function fixturesCli(
  argv: string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  const opts: RunFixturesOptions & { skip: string[]; override: string[]; add: string[]; remove: string[] } = {
    skip: [],
    override: [],
    add: [],
    remove: [],
  };
  let file: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new FixtureError(`${flag} needs a value.\n\n${FIXTURES_USAGE}`);
      i += 1;
      return next;
    };
    try {
      if (flag === "--help" || flag === "-h") {
        out(FIXTURES_USAGE);
        return 0;
      } else if (flag === "--url") opts.url = value();
      else if (flag === "--api-key") opts.apiKey = value();
      else if (flag === "--api-version") opts.apiVersion = value();
      else if (flag === "--skip") opts.skip.push(value());
      else if (flag === "--override") opts.override.push(value());
      else if (flag === "--add") opts.add.push(value());
      else if (flag === "--remove") opts.remove.push(value());
      else if (flag.startsWith("-")) throw new FixtureError(`Unknown option ${flag}.\n\n${FIXTURES_USAGE}`);
      else if (file) throw new FixtureError(`One fixture file at a time (got ${file} and ${arg}).`);
      else file = arg;
    } catch (e) {
      err(e instanceof Error ? e.message : String(e));
      return 1;
    }
  }
  if (!file) {
    err(FIXTURES_USAGE);
    return 1;
  }
  try {
    const run = await runFixtures(file, { ...opts, log: out });
    for (const [name, body] of Object.entries(run.responses)) {
      const id = (body as { id?: unknown } | null)?.id;
      out(`  ${name}${typeof id === "string" ? `: ${id}` : ""}`);
    }
    for (const [key, value] of Object.entries(run.env)) out(`${key}=${value}`);
    out(
      `Fixtures succeeded: ${Object.keys(run.responses).length} requests against ${(opts.url ?? process.env.STRIPE_EMULATOR_URL ?? "http://127.0.0.1:12111").replace(/\/$/, "")}`,
    );
    return 0;
  } catch (e) {
    err(e instanceof Error ? e.message : String(e));
    return 1;
  }
}
