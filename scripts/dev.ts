/**
 * `npm run dev`: the whole product on one machine with no account anywhere. Starts the Stripe
 * emulator (unless real keys are set), makes it match the plan catalog, and runs `next dev`.
 * The app migrates and seeds its embedded database when it starts (instrumentation.ts).
 */
import { startLocalStripe } from "./lib/local-stripe";
import { runScript } from "./lib/run-script";
import { runNext, superviseChild } from "./lib/spawn-next";
import { syncCatalogFromEnv } from "./stripe-setup";

runScript(async () => {
  const port = Number(process.env.PORT ?? 3000);
  const appUrl = process.env.NEXTAUTH_URL ?? `http://localhost:${port}`;
  const stripe = await startLocalStripe({
    appUrl: `http://127.0.0.1:${port}`,
    port: Number(process.env.STRIPE_EMULATOR_PORT ?? 12111),
    stateFile: process.env.STRIPE_EMULATOR_STATE_FILE ?? ".data/stripe-emulator.json",
  });
  const env = { ...process.env, ...stripe?.env, NEXTAUTH_URL: appUrl, APP_URL: process.env.APP_URL ?? appUrl };
  if (stripe) {
    console.log(`Stripe emulator on ${stripe.env.STRIPE_EMULATOR_URL} (no Stripe account needed; test card 4242 4242 4242 4242)`);
    Object.assign(process.env, stripe.env);
    await syncCatalogFromEnv();
  }
  const child = runNext(["dev", "--port", String(port)], env);
  superviseChild(child, async () => stripe?.stop());
  await new Promise<never>(() => {});
});
