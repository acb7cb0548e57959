/**
 * `npm run stripe:trigger <event>`: make the running Stripe emulator send an event, with the real sequence of calls
 * and events that leads to it (like the Stripe CLI's `stripe trigger`, which needs a real account). The events are
 * delivered to the emulator's webhook endpoints, so a running `npm run dev` app receives them.
 *
 *   npm run stripe:trigger invoice.payment_failed
 *   npm run stripe:trigger -- invoice.payment_failed --customer cus_…   (about an existing customer, e.g. yours in the app)
 *   npm run stripe:trigger -- --list
 */
import { emulatorStripeClient } from "stripe-emulator";
import { DEFAULT_PORT } from "stripe-emulator";
import { TRIGGERS, parseTriggerArgs, triggerEvent } from "stripe-emulator";

const USAGE = `usage: npm run stripe:trigger -- <event> [--customer cus_…]

  --customer cus_…  make the events about this existing customer (like \`stripe trigger --override customer:cus_…\`);
                    without it a new customer is created, which no app user is linked to.`;

async function main(): Promise<number> {
  const args = parseTriggerArgs(process.argv.slice(2));
  if (args.error) {
    console.error(`${args.error}\n\n${USAGE}`);
    return 1;
  }
  const eventType = args.eventType;
  if (!eventType || args.list) {
    console.log(`${USAGE}\n\nevents:\n  ${Object.keys(TRIGGERS).sort().join("\n  ")}`);
    return args.list ? 0 : 1;
  }
  const url = process.env.STRIPE_EMULATOR_URL || `http://127.0.0.1:${process.env.STRIPE_EMULATOR_PORT ?? DEFAULT_PORT}`;
  try {
    await fetch(`${url}/_emulator/health`);
  } catch {
    console.error(
      `No Stripe emulator at ${url}: start it with \`npm run dev\` or \`npm run emulator\` (for real Stripe use \`stripe trigger\`).`,
    );
    return 1;
  }
  const events = await triggerEvent(emulatorStripeClient(url), url, eventType, { customer: args.customer });
  for (const event of events) console.log(`${event.type === eventType ? "→" : " "} ${event.id}  ${event.type}`);
  console.log(`\nTrigger succeeded: ${events.length} events sent by ${url}${args.customer ? ` about ${args.customer}` : ""}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
