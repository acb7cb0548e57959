import { startEmulator } from "./index";
import { DEFAULT_PORT, DEFAULT_WEBHOOK_SECRET, DEFAULT_WEBHOOK_URL } from "./config";
import { fixturesCli } from "./fixtures";

async function main(): Promise<void> {
  const handle = await startEmulator({
    port: Number(process.env.STRIPE_EMULATOR_PORT ?? DEFAULT_PORT),
    host: process.env.STRIPE_EMULATOR_HOST ?? "127.0.0.1",
    webhookUrl: process.env.STRIPE_WEBHOOK_URL ?? DEFAULT_WEBHOOK_URL,
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET ?? DEFAULT_WEBHOOK_SECRET,
    stateFile: process.env.STRIPE_EMULATOR_STATE_FILE || undefined,
    publicUrl: process.env.STRIPE_EMULATOR_PUBLIC_URL || undefined,
    businessName: process.env.STRIPE_EMULATOR_BUSINESS_NAME || undefined,
    webhookApiVersion: process.env.STRIPE_EMULATOR_WEBHOOK_API_VERSION || undefined,
  });
  console.log(`stripe-emulator ready on ${handle.url}`);
  const shutdown = () => {
    void handle.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

// `stripe-emulator fixtures <file.json> …` runs a Stripe CLI fixture file against a running emulator; with no
// subcommand the emulator starts.
const [command, ...rest] = process.argv.slice(2);
if (command === "fixtures") {
  void fixturesCli(rest).then((code) => process.exit(code));
} else if (command !== undefined) {
  console.error(
    `Unknown command ${command}. Usage:\n  stripe-emulator              start the emulator (settings in the environment, see README.md)\n  stripe-emulator fixtures <file.json> [options]`,
  );
  process.exit(1);
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
