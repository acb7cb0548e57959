/**
 * Conformance: request sequences recorded from public Stripe clients (packages/stripe-emulator/conformance/*.json,
 * each with its repository, commit and pinned API version) replayed against a started emulator; every answer is
 * checked against what Stripe documents.
 * Every step runs. A step's `"needs"` names the emulator feature it exercises beyond the basics (documentation,
 * checked to be a known feature).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "../src/index";
import { effectiveNeeds, loadClients, runStep, type WebhookLog } from "../conformance/replay";

const clients = loadClients();
let emulator: EmulatorHandle;
/** The clients' webhook endpoint: records every delivery as sent (the replay verifies signatures itself). */
const webhooks: WebhookLog = { received: [] };
let receiver: Server;
let receiverUrl = "";

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, testMode: true });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      webhooks.received.push({ rawBody: Buffer.concat(chunks).toString("utf8"), signature: String(req.headers["stripe-signature"] ?? "") });
      res.writeHead(200).end("{}");
    });
  });
  await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", () => done()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`;
});
afterAll(async () => {
  await emulator?.stop();
  receiver?.closeAllConnections();
  await new Promise<void>((done) => (receiver ? receiver.close(() => done()) : done()));
});

describe.each(clients.map((c) => [`${c.client} @ ${c.commit.slice(0, 12)} (Stripe-Version ${c.apiVersion})`, c] as const))(
  "%s",
  (_, client) => {
    const answers = new Map<string, unknown>();

    beforeAll(async () => {
      await fetch(`${emulator.url}/_emulator/reset`, { method: "POST" });
      // No default endpoint: each client registers its own (a step), with its API version.
      await fetch(`${emulator.url}/_emulator/config`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ webhookUrl: null }),
      });
      webhooks.received.length = 0;
      answers.set("receiver", { url: receiverUrl });
    });

    it.each(
      client.steps.map((s) => [s.webhook ? `webhook ${s.webhook.type} (${s.name})` : `${s.method} ${s.path} (${s.name})`, s] as const),
    )("%s", async (_label, step) => {
      const result = await runStep(emulator.url, client, step, answers, webhooks);
      answers.set(step.name, result.body);
      expect(result.problems, `${step.name} — ${step.source}`).toEqual([]);
    });
  },
);

describe("the recorded clients", () => {
  it("each names its repository, commit and pinned API version, and every step is well formed", () => {
    expect(clients.map((c) => c.file)).toEqual([
      "better-auth-stripe.json",
      "checkout-single-subscription.json",
      "saas-starter.json",
      "subscription-use-cases-fixed-price.json",
    ]);
    for (const client of clients) {
      expect(client.repository).toMatch(/^https:\/\/github\.com\//);
      expect(client.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(client.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/);
      expect(client.steps.length).toBeGreaterThan(5);
      effectiveNeeds(client); // throws for an unknown feature or a reference to a later step
      for (const step of client.steps) {
        expect(step.source.length).toBeGreaterThan(0);
        expect(step.expect.status).toBeGreaterThanOrEqual(200);
      }
    }
  });
});
