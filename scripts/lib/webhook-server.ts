import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { POST as webhookRoute } from "@/app/api/billing/webhook/route";

/**
 * Serves the app's real webhook route handler over HTTP so the emulator delivers signed events to
 * it exactly as Stripe would deliver them to a deployed app.
 */
export async function startWebhookServer(port = 0): Promise<{ url: string; server: Server; responses: number[] }> {
  const responses: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const response = await webhookRoute(
        new Request(`http://127.0.0.1${req.url}`, { method: "POST", headers, body: Buffer.concat(chunks) }),
      );
      responses.push(response.status);
      res.writeHead(response.status, { "content-type": "application/json" }).end(await response.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/billing/webhook`, server, responses };
}
