/**
 * Replays the request sequences recorded from public Stripe clients (one JSON file per client in this folder) against
 * a running emulator, and checks each answer against what Stripe documents for it.
 *
 * A step's strings may name the answer of an earlier step: `${customer.id}`, `${sub.items.data.0.id}` (a whole-string
 * placeholder keeps the value's type). `/v1` steps are sent as the client's SDK sends them (form-encoded, arrays as
 * `a[0]`, with the client's `Stripe-Version`); `emulator: true` steps are what a person does on a hosted page, sent to
 * the emulator's control endpoints as JSON.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import Stripe from "stripe";

export interface StepExpectation {
  status: number;
  /** The answer's `object`. */
  object?: string;
  /** Dotted path → exact value (placeholders resolved). */
  equals?: Record<string, unknown>;
  /** Dotted path → regular expression the (string) value must match. */
  matches?: Record<string, string>;
  /** Dotted paths that must be neither null nor missing. */
  present?: string[];
  /** Dotted path → array length. */
  length?: Record<string, number>;
  /** For an error answer: fields of `error` (type, code, param, message). */
  error?: Record<string, string>;
}

export interface ConformanceStep {
  name: string;
  /** Where in the client the request comes from. */
  source: string;
  method?: "GET" | "POST" | "DELETE";
  path?: string;
  params?: Record<string, unknown>;
  /** A control-endpoint step (a person on a hosted page): JSON body, no Stripe-Version. */
  emulator?: boolean;
  json?: unknown;
  /**
   * A webhook the client's endpoint receives (instead of a request): the newest delivered event of `type` whose
   * `data.object` fields equal `match`, verified with the SDK's constructEvent and `secret` (the endpoint's, from an
   * earlier step); `expect` is checked against the event.
   */
  webhook?: { type: string; secret: string; match?: Record<string, unknown> };
  /** A feature this step relies on that is being built on another branch (see IMPLEMENTED in the test). */
  needs?: string | string[];
  expect: StepExpectation;
}

export interface ConformanceClient {
  client: string;
  repository: string;
  commit: string;
  sdk: string;
  apiVersion: string;
  apiVersionSource: string;
  description: string;
  steps: ConformanceStep[];
  /** The file it was read from. */
  file: string;
}

/** The features steps may need; a name outside this list is a typo. */
export const FEATURES = ["versions", "tax", "intents", "search", "discounts", "invoicing"] as const;

export function loadClients(dir = __dirname): ConformanceClient[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({ ...(JSON.parse(readFileSync(join(dir, file), "utf8")) as Omit<ConformanceClient, "file">), file }));
}

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+)*)\}/g;

/** The steps a step refers to through placeholders. */
export function referencedSteps(step: ConformanceStep): string[] {
  const text = JSON.stringify([step.path ?? null, step.params ?? null, step.json ?? null, step.webhook ?? null, step.expect]);
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))];
}

/**
 * What a step needs: its own `needs` and those of every step it refers to (an answer that was never fetched cannot be
 * referred to). Throws for an unknown feature or a reference to a step that does not come earlier.
 */
/** Answers the test provides before any step: `receiver` is the clients' webhook endpoint (`${receiver.url}`). */
export const PROVIDED = ["receiver"];

export function effectiveNeeds(client: ConformanceClient): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>(PROVIDED.map((name) => [name, new Set<string>()]));
  for (const step of client.steps) {
    const needs = new Set<string>(step.needs === undefined ? [] : Array.isArray(step.needs) ? step.needs : [step.needs]);
    for (const need of needs) {
      if (!(FEATURES as readonly string[]).includes(need)) throw new Error(`${client.file} ${step.name}: unknown feature "${need}"`);
    }
    for (const ref of referencedSteps(step)) {
      const earlier = out.get(ref);
      if (!earlier) throw new Error(`${client.file} ${step.name}: refers to "${ref}", which is not an earlier step`);
      for (const need of earlier) needs.add(need);
    }
    if (out.has(step.name)) throw new Error(`${client.file}: two steps are named ${step.name}`);
    out.set(step.name, needs);
  }
  return out;
}

export function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".").filter(Boolean)) {
    if (current === null || current === undefined || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Resolves `${step.path}` placeholders against earlier answers. */
export function resolve(value: unknown, answers: Map<string, unknown>): unknown {
  if (typeof value === "string") {
    const whole = /^\$\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+)*)\}$/.exec(value);
    const lookup = (name: string, path: string) => {
      if (!answers.has(name)) throw new Error(`placeholder \${${name}${path}}: no answer from a step named ${name}`);
      const found = getPath(answers.get(name), path.slice(1));
      if (found === undefined) throw new Error(`placeholder \${${name}${path}}: the answer of ${name} has nothing at ${path.slice(1)}`);
      return found;
    };
    if (whole) return lookup(whole[1], whole[2]);
    return value.replace(PLACEHOLDER, (_, name: string, path: string) => String(lookup(name, path)));
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, answers));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, answers)]));
  return value;
}

/** Form encoding as stripe-node sends it: nested objects as `a[b]`, arrays indexed `a[0]`, booleans and numbers as text. */
export function formEncode(params: Record<string, unknown>): string {
  const pairs: string[] = [];
  const enc = (s: string) => encodeURIComponent(s).replace(/%5B/g, "[").replace(/%5D/g, "]");
  const walk = (key: string, value: unknown) => {
    if (value === undefined) return;
    if (value === null || typeof value !== "object") {
      pairs.push(`${enc(key)}=${enc(value === null ? "" : String(value))}`);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(`${key}[${i}]`, v));
    } else {
      for (const [k, v] of Object.entries(value)) walk(`${key}[${k}]`, v);
    }
  };
  for (const [k, v] of Object.entries(params)) walk(k, v);
  return pairs.join("&");
}

export interface StepResult {
  status: number;
  body: unknown;
  /** What did not match Stripe's documented answer; empty when it did. */
  problems: string[];
}

/** What a client's webhook endpoint received: each delivery's raw body and Stripe-Signature header. */
export interface WebhookLog {
  received: { rawBody: string; signature: string }[];
}

async function receiveWebhook(
  baseUrl: string,
  step: ConformanceStep,
  answers: Map<string, unknown>,
  log: WebhookLog | undefined,
): Promise<StepResult> {
  if (!log || !step.webhook) throw new Error(`${step.name}: a webhook step needs the test's webhook log`);
  await fetch(`${baseUrl}/_emulator/flush`, { method: "POST", signal: AbortSignal.timeout(30_000) });
  const secret = resolve(step.webhook.secret, answers) as string;
  const match = (resolve(step.webhook.match ?? {}, answers) ?? {}) as Record<string, unknown>;
  for (const delivery of [...log.received].reverse()) {
    const event = JSON.parse(delivery.rawBody) as Stripe.Event;
    if (event.type !== step.webhook.type) continue;
    if (!Object.entries(match).every(([path, want]) => isDeepStrictEqual(getPath(event.data.object, path), want))) continue;
    const problems: string[] = [];
    try {
      Stripe.webhooks.constructEvent(delivery.rawBody, delivery.signature, secret);
    } catch (err) {
      problems.push(`signature: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { status: 200, body: event, problems: [...problems, ...check({ ...step.expect, status: 200 }, 200, event, answers)] };
  }
  return {
    status: 0,
    body: null,
    problems: [
      `no ${step.webhook.type} delivered matching ${JSON.stringify(match)} (received: ${log.received.map((d) => (JSON.parse(d.rawBody) as Stripe.Event).type).join(", ") || "nothing"})`,
    ],
  };
}

/** Sends one step (placeholders resolved) and checks its answer. */
export async function runStep(
  baseUrl: string,
  client: ConformanceClient,
  step: ConformanceStep,
  answers: Map<string, unknown>,
  webhooks?: WebhookLog,
): Promise<StepResult> {
  if (step.webhook) return receiveWebhook(baseUrl, step, answers, webhooks);
  if (!step.method || !step.path) throw new Error(`${step.name}: a step needs a method and a path, or a webhook`);
  const path = resolve(step.path, answers) as string;
  let url = `${baseUrl}${path}`;
  const init: RequestInit & { headers: Record<string, string> } = { method: step.method, headers: {} };
  if (step.emulator) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(resolve(step.json ?? {}, answers));
  } else {
    init.headers.Authorization = "Bearer sk_test_conformance";
    init.headers["Stripe-Version"] = client.apiVersion;
    const encoded = formEncode((resolve(step.params ?? {}, answers) ?? {}) as Record<string, unknown>);
    if (step.method === "POST") {
      init.headers["Content-Type"] = "application/x-www-form-urlencoded";
      init.body = encoded;
    } else if (encoded) {
      url += `?${encoded}`;
    }
  }
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, problems: check(step.expect, res.status, body, answers) };
}

function check(expect: StepExpectation, status: number, body: unknown, answers: Map<string, unknown>): string[] {
  const problems: string[] = [];
  if (status !== expect.status)
    problems.push(`status ${status}, expected ${expect.status}: ${JSON.stringify(getPath(body, "error") ?? body).slice(0, 400)}`);
  if (expect.object !== undefined && getPath(body, "object") !== expect.object)
    problems.push(`object ${JSON.stringify(getPath(body, "object"))}, expected ${expect.object}`);
  for (const [path, raw] of Object.entries(expect.equals ?? {})) {
    const want = resolve(raw, answers);
    const got = getPath(body, path);
    if (!isDeepStrictEqual(got, want)) problems.push(`${path} = ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  for (const [path, pattern] of Object.entries(expect.matches ?? {})) {
    const got = getPath(body, path);
    if (typeof got !== "string" || !new RegExp(pattern).test(got))
      problems.push(`${path} = ${JSON.stringify(got)}, expected to match /${pattern}/`);
  }
  for (const path of expect.present ?? []) {
    const got = getPath(body, path);
    if (got === null || got === undefined) problems.push(`${path} is ${JSON.stringify(got)}, expected a value`);
  }
  for (const [path, n] of Object.entries(expect.length ?? {})) {
    const got = getPath(body, path);
    if (!Array.isArray(got) || got.length !== n)
      problems.push(`${path} has ${Array.isArray(got) ? got.length : JSON.stringify(got)} entries, expected ${n}`);
  }
  for (const [key, want] of Object.entries(expect.error ?? {})) {
    const got = getPath(body, `error.${key}`);
    if (got !== want) problems.push(`error.${key} = ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  return problems;
}
