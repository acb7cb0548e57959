import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { Emulator, type EmulatorOptions } from "./emulator";
import { WebhookDelivery } from "./webhooks/delivery";
import { buildRouter } from "./routes";
import { handleApi, sendJson } from "./http/server";
import { handleControl } from "./control";
import { handlePage } from "./pages/index";

export { DEFAULT_WEBHOOK_SECRET, DEFAULT_PORT, DEFAULT_WEBHOOK_URL, API_VERSION } from "./config";
export { TRIGGERS, parseTriggerArgs, triggerEvent } from "./trigger";
export {
  runFixtures,
  loadFixtureFile,
  FixtureError,
  fixturesCli,
  type FixtureFile,
  type FixtureRequest,
  type FixtureRun,
  type RunFixturesOptions,
} from "./fixtures";
export type { DeliveryRecord } from "./webhooks/delivery";
export { API_VERSIONS, type ApiVersion } from "./versions/versions";

export interface StartEmulatorOptions extends EmulatorOptions {
  /** 0 = a random free port. */
  port?: number;
  host?: string;
  webhookUrl?: string;
  webhookSecret?: string;
  /** Unix seconds for "now" outside test clocks; defaults to real time. */
  clock?: () => number;
  /** JSON persistence: loaded at start, saved (debounced) after changes. */
  stateFile?: string;
  /** Compress webhook retry backoff to milliseconds. */
  testMode?: boolean;
  /** Base of the links the emulator hands out (for example http://localhost:12111 from a container). */
  publicUrl?: string;
}

export interface EmulatorHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Resolves once every queued webhook delivery (including retries) has finished. */
  flushDeliveries(): Promise<void>;
}

export async function startEmulator(opts: StartEmulatorOptions = {}): Promise<EmulatorHandle> {
  const emu = new Emulator(opts);
  emu.delivery = new WebhookDelivery(emu);
  const router = buildRouter();
  const host = opts.host ?? "127.0.0.1";

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", emu.baseUrl || `http://${host}`);
    const route = url.pathname.startsWith("/v1/")
      ? handleApi(emu, router, req, res, url)
      : url.pathname.startsWith("/_emulator/")
        ? handleControl(emu, req, res, url)
        : handlePage(emu, req, res, url);
    route.catch((err: unknown) => {
      console.error("[stripe-emulator]", err);
      if (!res.headersSent) sendJson(res, 500, JSON.stringify({ error: { type: "api_error", message: "Emulator internal error" } }));
      else res.end();
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const displayHost = host.includes(":") ? `[${host}]` : host;
  // Links in responses (hosted checkout, portal, invoices) use the public URL when the emulator runs behind a proxy or in a container.
  emu.baseUrl = opts.publicUrl ?? `http://${displayHost}:${port}`;

  return {
    url: emu.baseUrl,
    port,
    flushDeliveries: () => emu.delivery.flush(),
    async stop() {
      emu.delivery.stop();
      emu.saveNow();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Stripe SDK client pointed at an emulator URL (no network retries, so failures surface immediately). */
export function emulatorStripeClient(url: string, key = "sk_test_emulator"): Stripe {
  const parsed = new URL(url);
  return new Stripe(key, {
    host: parsed.hostname,
    port: Number(parsed.port || 80),
    protocol: "http",
    maxNetworkRetries: 0,
  });
}
