/**
 * A separate app process serving only the webhook route (DATABASE_URL, STRIPE_EMULATOR_URL,
 * STRIPE_WEBHOOK_SECRET and WEBHOOK_PORT from the environment), so a test can SIGKILL it mid-event.
 */
import { startWebhookServer } from "./webhook-server";

void startWebhookServer(Number(process.env.WEBHOOK_PORT)).then(({ url }) => console.log(`webhook app ready on ${url}`));
