/**
 * `npm run stripe:trigger <event>`: make the running Stripe emulator send an event, with the real sequence of calls
 * and events that leads to it (like the Stripe CLI's `stripe trigger`, which needs a real account). The events are
 * delivered to the emulator's webhook endpoints, so a running `npm run dev` app receives them.
 *
 *   npm run stripe:trigger invoice.payment_failed
 *   npm run stripe:trigger -- --list
 */
import { emulatorStripeClient } from "../stripe-emulator/index";
import { DEFAULT_PORT } from "../stripe-emulator/config";
import { TRIGGERS, triggerEvent } from "../stripe-emulator/trigger";

async function main(): Promise<number> {
  const eventType = process.argv[2];
  if (!eventType || eventType === "--list" || eventType === "--help") {
    console.log(`usage: npm run stripe:trigger <event>\n\nevents:\n  ${Object.keys(TRIGGERS).sort().join("\n  ")}`);
    return eventType ? 0 : 1;
  }
  const url = process.env.STRIPE_EMULATOR_URL || `http://127.0.0.1:${process.env.STRIPE_EMULATOR_PORT ?? DEFAULT_PORT}`;
  try {
    await fetch(`${url}/_emulator/health`);
  } catch {
    console.error(`No Stripe emulator at ${url}: start it with \`npm run dev\` or \`npm run emulator\` (for real Stripe use \`stripe trigger\`).`);
    return 1;
  }
  const events = await triggerEvent(emulatorStripeClient(url), url, eventType);
  for (const event of events) console.log(`${event.type === eventType ? "→" : " "} ${event.id}  ${event.type}`);
  console.log(`\nTrigger succeeded: ${events.length} events sent by ${url}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
