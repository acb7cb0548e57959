/**
 * stripe-node's own tests (the generated examples it normally runs against stripe-mock) pointed at the emulator.
 *
 *   git clone https://github.com/stripe/stripe-node /tmp/stripe-node   # any checkout, kept outside this repository
 *   npx tsx packages/stripe-emulator/scripts/stripe-node-suite.ts /tmp/stripe-node [--url http://127.0.0.1:12111] [--json out.json] [--commit <sha>]
 *
 * What it does, reproducibly:
 * 1. Installs the checkout's dev dependencies there if they are missing (`npm install --ignore-scripts`).
 * 2. Starts an emulator in this process on a free port (or uses `--url`).
 * 3. Reads `test/resources/generated_examples_test.spec.js`, keeps the examples of the resources in the emulator's
 *    scope and writes them to `test/resources/emulator_generated_examples.spec.js` in the checkout, with stripe-mock's
 *    placeholder ids (`cus_xxxxxxxxxxxxx`, `sess_xyz`, `Z4OV52SU`, …) replaced by the ids of real objects that a
 *    `beforeEach` creates in a freshly reset emulator through the same stripe-mock client (testUtils.getStripeMockClient,
 *    which sends to STRIPE_MOCK_PORT). An object the emulator cannot create yet leaves its placeholder in place.
 * 4. Runs that file with the checkout's mocha (serially, JSON reporter) and prints passes per resource as a Markdown
 *    table (the README's "stripe-node's test suite" section).
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startEmulator } from "../src/index";

/** Resource (as the README names it) → how its examples call the SDK. */
const SCOPE: [string, RegExp][] = [
  ["customers", /^customers$/],
  ["products", /^products$/],
  ["prices", /^prices$/],
  ["checkout sessions", /^checkout\.sessions$/],
  ["subscriptions", /^subscriptions$/],
  ["subscription items", /^subscriptionItems$/],
  ["subscription schedules", /^subscriptionSchedules$/],
  ["invoices", /^invoices$/],
  ["invoice items", /^invoiceItems$/],
  ["coupons", /^coupons$/],
  ["promotion codes", /^promotionCodes$/],
  ["payment intents", /^paymentIntents$/],
  ["setup intents", /^setupIntents$/],
  ["payment methods", /^paymentMethods$/],
  ["tax rates", /^taxRates$/],
  ["credit notes", /^creditNotes$/],
  ["billing portal", /^billingPortal\.(configurations|sessions)$/],
  ["meters", /^billing\.(meters|meterEvents|meterEventAdjustments)$/],
  ["test clocks", /^testHelpers\.testClocks$/],
  ["webhook endpoints", /^webhookEndpoints$/],
  ["events", /^events$/],
];

/**
 * Creates the objects the examples name, in a reset emulator, and returns placeholder → real id. Runs inside the
 * stripe-node checkout's mocha, with its stripe-mock client (`stripe`); every creation the emulator cannot do yet
 * is skipped (its placeholder then stays, and the examples that use it fail).
 */
const SETUP = String.raw`
async function emulatorSetup(stripe, baseUrl) {
  const post = (path, body) => fetch(baseUrl + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
  await post('/_emulator/reset');
  await post('/_emulator/config', { webhookUrl: null });
  const ids = {};
  const attempt = async (fn) => { try { return await fn(); } catch (e) { return null; } };
  // Examples advance clock_xxxxxxxxxxxxx to 1675552261 and clock_xyz to 142: each clock starts before that.
  const clock = await attempt(() => stripe.testHelpers.testClocks.create({ frozen_time: 1675000000, name: 'stripe-node suite' }));
  if (clock) ids['clock_xxxxxxxxxxxxx'] = clock.id;
  const early = await attempt(() => stripe.testHelpers.testClocks.create({ frozen_time: 100, name: 'stripe-node suite (clock_xyz)' }));
  if (early) ids['clock_xyz'] = early.id;
  const customer = await attempt(() => stripe.customers.create({ email: 'jenny.rosen@example.com', name: 'Jenny Rosen' }));
  if (customer) { ids['cus_xxxxxxxxxxxxx'] = customer.id; ids['cus_xyz'] = customer.id; ids['cus_123'] = customer.id; }
  const pm = customer && await attempt(() => stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id }));
  if (pm) {
    ids['pm_xxxxxxxxxxxxx'] = pm.id;
    await attempt(() => stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } }));
  }
  // A product without prices (the examples delete it); prices get their own product.
  const bare = await attempt(() => stripe.products.create({ name: 'Gold Special' }));
  if (bare) ids['prod_xxxxxxxxxxxxx'] = bare.id;
  const product = await attempt(() => stripe.products.create({ name: 'Gold Plan' }));
  const price = product && await attempt(() => stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 2000, recurring: { interval: 'month' } }));
  if (price) ids['price_xxxxxxxxxxxxx'] = price.id;
  const oneTime = product && await attempt(() => stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1000 }));
  if (oneTime) ids['price_xxxxxxxxxxxxx:one_time'] = oneTime.id;
  // A second recurring price of the same product (an item added beside the first cannot repeat its price).
  const other = product && await attempt(() => stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 500, recurring: { interval: 'month' } }));
  if (other) ids['price_xxxxxxxxxxxxx:other'] = other.id;
  const sub = customer && price && await attempt(() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }));
  if (sub) {
    ids['sub_xxxxxxxxxxxxx'] = sub.id;
    ids['sub_xyz'] = sub.id;
    ids['si_xxxxxxxxxxxxx'] = sub.items.data[0].id;
    ids['in_xxxxxxxxxxxxx'] = sub.latest_invoice;
    const lines = await attempt(() => stripe.invoices.listLineItems(sub.latest_invoice));
    if (lines && lines.data[0]) ids['il_xxxxxxxxxxxxx'] = lines.data[0].id;
  }
  // A subscription with two items (deleting one leaves the other), and one with a discount (deleteDiscount).
  const pair = customer && price && other && await attempt(() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }, { price: other.id }] }));
  if (pair) ids['si_xxxxxxxxxxxxx:second'] = pair.items.data[1].id;
  const off = await attempt(() => stripe.coupons.create({ percent_off: 10, duration: 'forever' }));
  const discounted = customer && price && off && await attempt(() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], discounts: [{ coupon: off.id }] }));
  if (discounted) ids['sub_xyz:discounted'] = discounted.id;
  const scheduled = customer && price && await attempt(() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }));
  const schedule = scheduled && await attempt(() => stripe.subscriptionSchedules.create({ from_subscription: scheduled.id }));
  if (schedule) ids['sub_sched_xxxxxxxxxxxxx'] = schedule.id;
  // An open invoice (for pay / void / mark_uncollectible) and, where one-off invoices exist, a draft (finalize, delete).
  const pending = customer && price && await attempt(() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'default_incomplete' }));
  if (pending) {
    ids['in_xxxxxxxxxxxxx:open'] = pending.latest_invoice;
    const openLines = await attempt(() => stripe.invoices.listLineItems(pending.latest_invoice));
    if (openLines && openLines.data[0]) ids['il_xxxxxxxxxxxxx:open'] = openLines.data[0].id;
  }
  // An open invoice for a credit note of its own (voidable: the invoice is open and nothing was refunded); made before
  // the pending invoice item below, which a subscription's first invoice would take.
  const credited = customer && price && await attempt(() => stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], payment_behavior: 'default_incomplete' }));
  // A send_invoice draft (sendInvoice only sends those).
  const toSend = customer && await attempt(() => stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30 }));
  if (toSend) ids['in_xxxxxxxxxxxxx:send'] = toSend.id;
  const draft = customer && await attempt(() => stripe.invoices.create({ customer: customer.id }));
  if (draft) ids['in_xxxxxxxxxxxxx'] = draft.id;
  const item = customer && await attempt(() => stripe.invoiceItems.create({ customer: customer.id, amount: 500, currency: 'usd', description: 'One-time setup fee' }));
  if (item) ids['ii_xxxxxxxxxxxxx'] = item.id;
  const pi = await attempt(() => stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...(customer ? { customer: customer.id } : {}), payment_method_types: ['card'] }));
  if (pi) ids['pi_xxxxxxxxxxxxx'] = pi.id;
  // An authorized, uncaptured PaymentIntent (capture).
  const held = customer && await attempt(() => stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method_types: ['card'], capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true }));
  if (held) ids['pi_xxxxxxxxxxxxx:held'] = held.id;
  const seti = await attempt(() => stripe.setupIntents.create({ payment_method_types: ['card'], ...(customer ? { customer: customer.id } : {}) }));
  if (seti) ids['seti_xxxxxxxxxxxxx'] = seti.id;
  const session = (price || oneTime) && await attempt(() => stripe.checkout.sessions.create({ mode: 'payment', success_url: 'https://example.com/success', line_items: [{ price: (oneTime || price).id, quantity: 2 }] }));
  if (session) { ids['cs_test_xxxxxxxxxxxxx'] = session.id; ids['sess_xyz'] = session.id; }
  const config = await attempt(() => stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: true } } }));
  if (config) ids['bpc_xxxxxxxxxxxxx'] = config.id;
  const endpoint = await attempt(() => stripe.webhookEndpoints.create({ url: 'https://example.com/my/webhook/endpoint', enabled_events: ['charge.succeeded'] }));
  if (endpoint) ids['we_xxxxxxxxxxxxx'] = endpoint.id;
  const coupon = await attempt(() => stripe.coupons.create({ id: 'Z4OV52SU', percent_off: 25, duration: 'once' }));
  const promo = coupon && await attempt(() => stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id } }));
  if (promo) ids['promo_xxxxxxxxxxxxx'] = promo.id;
  const taxRate = await attempt(() => stripe.taxRates.create({ display_name: 'VAT', percentage: 16, inclusive: false }));
  if (taxRate) ids['txr_xxxxxxxxxxxxx'] = taxRate.id;
  const taxId = customer && await attempt(() => stripe.customers.createTaxId(customer.id, { type: 'eu_vat', value: 'DE123456789' }));
  if (taxId) ids['txi_xxxxxxxxxxxxx'] = taxId.id;
  const balance = customer && await attempt(() => stripe.customers.createBalanceTransaction(customer.id, { amount: -500, currency: 'usd' }));
  if (balance) ids['cbtxn_xxxxxxxxxxxxx'] = balance.id;
  const creditNote = credited && await attempt(() => stripe.creditNotes.create({ invoice: credited.latest_invoice, amount: 500 }));
  if (creditNote) ids['cn_xxxxxxxxxxxxx'] = creditNote.id;
  const meter = await attempt(() => stripe.billing.meters.create({ display_name: 'Search API Calls', event_name: 'api_requests', default_aggregation: { formula: 'sum' } }));
  if (meter) ids['mtr_xxxxxxxxxxxxx'] = meter.id;
  const events = await attempt(() => stripe.events.list({ limit: 1 }));
  if (events && events.data[0]) ids['evt_xxxxxxxxxxxxx'] = events.data[0].id;
  return ids;
}
`;

function resourceOf(block: string): string | undefined {
  const call = /\bstripe\.((?:testHelpers|billingPortal|checkout|billing)\.[a-zA-Z]+|[a-zA-Z]+)\./.exec(block)?.[1];
  if (!call) return undefined;
  return SCOPE.find(([, re]) => re.test(call))?.[0];
}

interface Example {
  name: string;
  resource: string;
  body: string;
}

function scopedExamples(source: string): Example[] {
  const parts = source.split(/\n {2}it\('/);
  return parts.slice(1).flatMap((part) => {
    const name = part.slice(0, part.indexOf("'"));
    // The block ends at the `});` closing the it() at two spaces of indentation.
    const end = part.indexOf("\n  });");
    const body = `  it('${part.slice(0, end)}\n  });`;
    const resource = resourceOf(body);
    return resource ? [{ name, resource, body }] : [];
  });
}

/** Examples that need a particular kind of the object a placeholder names (setup's `placeholder:kind` ids). */
const KIND_FOR: Record<string, Record<string, string>> = {
  test_invoices_pay_post: { in_xxxxxxxxxxxxx: "open" },
  test_invoices_void_post: { in_xxxxxxxxxxxxx: "open" },
  test_invoices_mark_uncollectible_post: { in_xxxxxxxxxxxxx: "open" },
  test_checkout_sessions_post_2: { price_xxxxxxxxxxxxx: "one_time" },
  test_invoices_send_post: { in_xxxxxxxxxxxxx: "send" },
  test_payment_intents_capture_post: { pi_xxxxxxxxxxxxx: "held" },
  test_credit_notes_post: { in_xxxxxxxxxxxxx: "open", il_xxxxxxxxxxxxx: "open" },
  test_credit_notes_preview_get: { in_xxxxxxxxxxxxx: "open", il_xxxxxxxxxxxxx: "open" },
  test_credit_notes_preview_lines_get: { in_xxxxxxxxxxxxx: "open" },
  test_subscription_items_post: { price_xxxxxxxxxxxxx: "other" },
  test_subscription_items_delete: { si_xxxxxxxxxxxxx: "second" },
  test_subscriptions_discount_delete: { sub_xyz: "discounted" },
};

/** `'cus_xxxxxxxxxxxxx'` → `(ids['cus_xxxxxxxxxxxxx'] || 'cus_xxxxxxxxxxxxx')`: the real object when setup made one. */
function rewriteIds(example: Example): string {
  return example.body.replace(/'([a-z]+(?:_[a-z]+)*_x{5,}|sess_xyz|clock_xyz|cus_xyz|cus_123|sub_xyz|Z4OV52SU)'/g, (_m, id: string) => {
    const kind = KIND_FOR[example.name]?.[id];
    return kind ? `(ids['${id}:${kind}'] || ids['${id}'] || '${id}')` : `(ids['${id}'] || '${id}')`;
  });
}

function specFile(examples: Example[]): string {
  return `// Written by next-stripe-billing's packages/stripe-emulator/scripts/stripe-node-suite.ts from
// generated_examples_test.spec.js: the examples of the emulator's resources, with placeholder ids replaced by real objects.
'use strict';

const testUtils = require('../testUtils.js');
const stripe = testUtils.getStripeMockClient();
const {Decimal} = require('../../src/shared.js');
const nock = require('nock');
const expect = require('chai').expect;
${SETUP}
const ids = {};

describe('Generated tests against the Stripe emulator', function() {
  this.timeout(30000);
  beforeEach(async function() {
    for (const key of Object.keys(ids)) delete ids[key];
    Object.assign(ids, await emulatorSetup(stripe, process.env.EMULATOR_URL));
  });

${examples.map((e) => rewriteIds(e)).join("\n\n")}
});
`;
}

interface MochaJson {
  tests: { title: string; err: { message?: string } }[];
  passes: { title: string }[];
  failures: { title: string; err: { message?: string } }[];
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const checkout = args.find((a, i) => !a.startsWith("--") && !["--url", "--json", "--commit"].includes(args[i - 1]));
  const urlArg = option("--url");
  const jsonOut = option("--json");
  if (!checkout) {
    console.error(
      "usage: tsx packages/stripe-emulator/scripts/stripe-node-suite.ts <stripe-node checkout> [--url <emulator>] [--json <out.json>]",
    );
    return 1;
  }
  const dir = resolve(checkout);
  const generated = join(dir, "test/resources/generated_examples_test.spec.js");
  if (!existsSync(generated)) {
    console.error(`${generated} not found: is ${dir} a stripe-node checkout?`);
    return 1;
  }
  // A `git archive` export has no .git: name the commit with --commit.
  const commit =
    option("--commit") ??
    (existsSync(join(dir, ".git")) ? execFileSync("git", ["-C", dir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim() : "unknown");
  const version = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;

  if (!existsSync(join(dir, "node_modules/mocha"))) {
    console.log(`Installing stripe-node's dev dependencies in ${dir} …`);
    const install = spawnSync("npm", ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"], {
      cwd: dir,
      stdio: "inherit",
      timeout: 600_000,
    });
    if (install.status !== 0) return 1;
  }

  const examples = scopedExamples(readFileSync(generated, "utf8"));
  const specPath = join(dir, "test/resources/emulator_generated_examples.spec.js");
  writeFileSync(specPath, specFile(examples));

  const emulator = urlArg ? null : await startEmulator({ port: 0, testMode: true });
  const url = urlArg ?? emulator?.url ?? "";
  try {
    // Asynchronously: the emulator answers from this process while mocha runs.
    const run = await new Promise<{ stdout: string; stderr: string }>((done, fail) => {
      const child = spawn(
        "npx",
        ["--no-install", "mocha", "--no-parallel", "--reporter", "json", "--timeout", "30000", "--config", ".mocharc.js", specPath],
        {
          cwd: dir,
          env: { ...process.env, STRIPE_MOCK_HOST: new URL(url).hostname, STRIPE_MOCK_PORT: new URL(url).port, EMULATOR_URL: url },
        },
      );
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => child.kill("SIGTERM"), 900_000);
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.once("error", fail);
      child.once("close", () => {
        clearTimeout(timer);
        done({ stdout, stderr });
      });
    });
    const start = run.stdout.indexOf("{\n");
    if (start < 0) {
      console.error(run.stdout, run.stderr);
      return 1;
    }
    const result = JSON.parse(run.stdout.slice(start)) as MochaJson;
    const passed = new Set(result.passes.map((t) => t.title));
    const rows = SCOPE.map(([resource]) => {
      const mine = examples.filter((e) => e.resource === resource);
      return {
        resource,
        passed: mine.filter((e) => passed.has(e.name)).length,
        total: mine.length,
        failing: mine.filter((e) => !passed.has(e.name)).map((e) => e.name),
      };
    });
    const total = rows.reduce((n, r) => n + r.total, 0);
    const pass = rows.reduce((n, r) => n + r.passed, 0);
    console.log(`stripe-node ${version} (${commit}), generated examples in the emulator's scope: ${pass} / ${total} pass\n`);
    console.log("| Resource | Pass | Examples |\n| --- | --- | --- |");
    for (const r of rows) console.log(`| ${r.resource} | ${r.passed} | ${r.total} |`);
    console.log("");
    for (const failure of result.failures) {
      const row = rows.find((r) => r.failing.includes(failure.title));
      console.log(`FAIL [${row?.resource}] ${failure.title}: ${(failure.err.message ?? "").split("\n")[0].slice(0, 200)}`);
    }
    if (jsonOut)
      writeFileSync(
        jsonOut,
        JSON.stringify(
          { stripeNode: { version, commit }, rows, failures: result.failures.map((f) => ({ title: f.title, message: f.err.message })) },
          null,
          2,
        ),
      );
    return 0;
  } finally {
    await emulator?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
