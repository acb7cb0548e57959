import { DEFAULT_WEBHOOK_SECRET, startEmulator } from "stripe-emulator";

/**
 * Starts the bundled Stripe emulator for a local app on `appUrl` and returns the environment the
 * app needs to use it. Nothing is started when real Stripe keys are configured.
 */
export async function startLocalStripe(options: {
  appUrl: string;
  port: number;
  stateFile?: string;
  testMode?: boolean;
}): Promise<{ env: Record<string, string>; stop: () => Promise<void> } | null> {
  if (process.env.STRIPE_SECRET_KEY || process.env.STRIPE_EMULATOR_URL) return null;
  const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET || DEFAULT_WEBHOOK_SECRET;
  const emulator = await startEmulator({
    port: options.port,
    webhookUrl: `${options.appUrl}/api/billing/webhook`,
    webhookSecret,
    stateFile: options.stateFile,
    testMode: options.testMode,
    businessName: process.env.STRIPE_EMULATOR_BUSINESS_NAME || undefined,
  });
  return {
    env: { STRIPE_EMULATOR_URL: emulator.url, STRIPE_WEBHOOK_SECRET: webhookSecret },
    stop: emulator.stop,
  };
}
