/**
 * `npm run dev`: the whole product on one machine with no account anywhere. Starts the Stripe
 * emulator (unless real keys are set), makes it match the plan catalog, and runs `next dev`, as one
 * unit: if any part fails, everything stops and one line says what failed and what to do.
 * The app migrates and seeds its embedded database when it starts (instrumentation.ts).
 */
import { assertPortFree } from "./lib/processes";
import { DEFAULT_PORT } from "stripe-emulator";
import { startLocalStripe } from "./lib/local-stripe";
import { prettyPrintLogs, warmRoutes } from "./lib/dev-output";
import { runNext } from "./lib/spawn-next";
import { Supervisor, errorMessage } from "./lib/supervisor";
import { syncCatalogFromEnv } from "./stripe-setup";

const supervisor = new Supervisor("npm run dev");

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const emulatorPort = Number(process.env.STRIPE_EMULATOR_PORT ?? DEFAULT_PORT);
  // The printed URL, NEXTAUTH_URL and Stripe's return URLs agree on localhost; 127.0.0.1 works too
  // (next.config.ts allows it as a dev origin, and lib/app-url.ts returns people to the host they used).
  const appUrl = process.env.NEXTAUTH_URL ?? `http://localhost:${port}`;

  // next dev would quietly move to another port, away from the emulator's webhooks and NEXTAUTH_URL.
  await assertPortFree(port).catch((error: unknown) =>
    supervisor.fail(
      `port ${port} for the app is not free (${errorMessage(error)}). Stop what uses it, or choose another: PORT=3001 npm run dev`,
    ),
  );
  const stateFile = process.env.STRIPE_EMULATOR_STATE_FILE ?? ".data/stripe-emulator.json";
  const stripe = await startLocalStripe({ appUrl: `http://127.0.0.1:${port}`, port: emulatorPort, stateFile }).catch((error: unknown) =>
    supervisor.fail(
      `the Stripe emulator could not start on port ${emulatorPort} (${errorMessage(error)}). ${
        (error as NodeJS.ErrnoException).code === "EADDRINUSE"
          ? "Stop what uses it, or choose another: STRIPE_EMULATOR_PORT=12112 npm run dev"
          : `If its state file ${stateFile} is damaged, delete it: the catalog is synced again on start.`
      }`,
    ),
  );
  if (stripe) {
    supervisor.onStop(stripe.stop);
    console.log(`Stripe emulator on ${stripe.env.STRIPE_EMULATOR_URL} (no Stripe account needed; test card 4242 4242 4242 4242)`);
    Object.assign(process.env, stripe.env);
    // Real Stripe is synced on purpose, with `npm run stripe:setup`; the emulator on every start.
    await syncCatalogFromEnv().catch((error: unknown) =>
      supervisor.fail(
        `syncing the plan catalog to the Stripe emulator failed (${errorMessage(error)}). Delete ${stateFile} to start it afresh.`,
      ),
    );
  }

  const colorize = Boolean(process.stdout.isTTY);
  // next dev's output is piped (to pretty-print the app's JSON log lines); keep its colours on a terminal.
  const env = { ...process.env, NEXTAUTH_URL: appUrl, APP_URL: process.env.APP_URL ?? appUrl, ...(colorize ? { FORCE_COLOR: "1" } : {}) };
  const next = supervisor.watch(
    "next dev",
    runNext(["dev", "--port", String(port)], env, { pipeStdout: true }),
    "Its output above says why; fix that and run npm run dev again.",
  );
  if (next.stdout) prettyPrintLogs(next.stdout, process.stdout, colorize);
  // The first compile of a page takes ~20 s: do it in the background, saying so, instead of on the first click.
  const warming = new AbortController();
  supervisor.onStop(() => warming.abort());
  void warmRoutes(`http://127.0.0.1:${port}`, appUrl, (line) => console.log(line), warming.signal);
}

main().catch((error: unknown) => supervisor.fail(`it crashed: ${errorMessage(error)}`, error));
