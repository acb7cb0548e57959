import { startEmulator } from './index';
import { DEFAULT_PORT, DEFAULT_WEBHOOK_SECRET, DEFAULT_WEBHOOK_URL } from './config';

async function main(): Promise<void> {
  const handle = await startEmulator({
    port: Number(process.env.STRIPE_EMULATOR_PORT ?? DEFAULT_PORT),
    host: process.env.STRIPE_EMULATOR_HOST ?? '127.0.0.1',
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
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
