/**
 * A small mutation check, on demand (`npm run test:mutation`, not part of `npm test`): applies each
 * mutation below to the domain code, one at a time, runs the tests that should notice, and reports
 * whether they did (killed) or not (survived). The source is restored after each one, also on
 * Ctrl-C. Integration tests run on PGlite only (TEST_DATABASE_KINDS=pglite), to keep it quick.
 * It edits the working tree: run it alone, not beside a build or a dev server of the same checkout.
 *
 *   npm run test:mutation                 # every mutation
 *   npm run test:mutation -- version      # those whose name contains "version"
 *
 * Exits non-zero when a mutation survives: add the test that tells, or say here why it cannot.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

interface Mutation {
  name: string;
  file: string;
  /** Exact text, found once in `file`. */
  find: string;
  replace: string;
  /** Test files (and optionally a title filter) that must fail with the mutation in place. */
  tests: string[];
  title?: string;
}

const POLICY = "lib/billing/plan-change-policy.ts";
const PULL = "lib/billing/stripe-pull.ts";
const STATUS = "lib/billing/subscription-status.ts";
const POLICY_TESTS = ["tests/unit/plan-change-policy.test.ts"];
const STATUS_TESTS = ["tests/unit/subscription-status.test.ts"];
const WEBHOOK_TESTS = ["tests/integration/webhook.test.ts"];

export const MUTATIONS: Mutation[] = [
  {
    name: "downgrade rule without the shorter-interval condition",
    file: POLICY,
    find: 'return decreasingAmount || shorteningInterval ? "downgrade" : "upgrade";',
    replace: 'return decreasingAmount ? "downgrade" : "upgrade";',
    tests: POLICY_TESTS,
  },
  {
    name: "downgrade rule without the lower-amount condition",
    file: POLICY,
    find: 'return decreasingAmount || shorteningInterval ? "downgrade" : "upgrade";',
    replace: 'return shorteningInterval ? "downgrade" : "upgrade";',
    tests: POLICY_TESTS,
  },
  {
    name: "item amount without the seats",
    file: POLICY,
    find: "to.unitAmount * (to.quantity ?? 1) < from.unitAmount * (from.quantity ?? 1)",
    replace: "to.unitAmount < from.unitAmount",
    tests: POLICY_TESTS,
  },
  {
    name: "a past-due subscription may change plan",
    file: POLICY,
    find: "if (facts.status === SUBSCRIPTION_STATUS.past_due) {",
    replace: "if (false) {",
    tests: POLICY_TESTS,
  },
  {
    name: "an upgrade during a trial keeps the trial",
    file: POLICY,
    find: "endTrial: facts.status === SUBSCRIPTION_STATUS.trialing }",
    replace: "endTrial: false }",
    tests: POLICY_TESTS,
  },
  {
    name: "invoice upsert without its version guard",
    file: PULL,
    find: "      setWhere: sql`${invoices.sourceVersion} <= excluded.source_version`,\n",
    replace: "",
    tests: WEBHOOK_TESTS,
    title: "version guard",
  },
  {
    name: "subscription upsert without its version guard",
    file: PULL,
    find: "        setWhere: sql`${subscriptions.sourceVersion} <= excluded.source_version`,\n",
    replace: "",
    tests: WEBHOOK_TESTS,
    title: "version guard",
  },
  {
    name: "past due no longer in force",
    file: STATUS,
    find: 'export const IN_FORCE = ["active", "trialing", "past_due"] as const',
    replace: 'export const IN_FORCE = ["active", "trialing"] as const',
    tests: [...STATUS_TESTS, ...POLICY_TESTS],
  },
  {
    name: "trials counted as paying (MRR)",
    file: STATUS,
    find: 'export const PAYING = ["active", "past_due"] as const',
    replace: 'export const PAYING = ["active", "trialing", "past_due"] as const',
    tests: STATUS_TESTS,
  },
  {
    name: "an incomplete subscription counts as ended (a second checkout may start)",
    file: STATUS,
    find: 'export const NOT_ENDED = ["incomplete", "trialing", "active", "past_due", "unpaid", "paused"] as const',
    replace: 'export const NOT_ENDED = ["trialing", "active", "past_due", "unpaid", "paused"] as const',
    tests: STATUS_TESTS,
  },
];

/** Set by Ctrl-C: the running mutation's file is restored, then the check stops. */
let interrupted = false;

function run(mutation: Mutation): "killed" | "survived" {
  const file = path.join(process.cwd(), mutation.file);
  const original = readFileSync(file, "utf8");
  const count = original.split(mutation.find).length - 1;
  if (count !== 1)
    throw new Error(`${mutation.name}: expected the text once in ${mutation.file}, found it ${count} times (update this list)`);
  try {
    writeFileSync(file, original.replace(mutation.find, mutation.replace));
    const args = ["vitest", "run", "--bail", "1", ...mutation.tests, ...(mutation.title ? ["-t", mutation.title] : [])];
    const result = spawnSync("npx", args, { stdio: "ignore", env: { ...process.env, TEST_DATABASE_KINDS: "pglite" } });
    return result.status === 0 ? "survived" : "killed";
  } finally {
    writeFileSync(file, original);
  }
}

function main() {
  const filter = process.argv[2]?.toLowerCase();
  const chosen = MUTATIONS.filter((m) => !filter || m.name.toLowerCase().includes(filter));
  // Ctrl-C reaches the test run too (same process group); the file is put back before stopping.
  process.on("SIGINT", () => {
    interrupted = true;
  });
  let killed = 0;
  for (const mutation of chosen) {
    const started = Date.now();
    const outcome = run(mutation);
    if (interrupted) {
      console.log("interrupted: the source is restored");
      process.exit(130);
    }
    if (outcome === "killed") killed += 1;
    console.log(
      `${outcome === "killed" ? "killed  " : "SURVIVED"}  ${mutation.name}  (${mutation.file}, ${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
  console.log(`\nmutation score: ${killed}/${chosen.length} killed`);
  if (killed < chosen.length) process.exitCode = 1;
}

main();
