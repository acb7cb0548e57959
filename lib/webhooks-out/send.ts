/** One POST of an outbound webhook: no redirects, a hard deadline, at most 2 KB of the answer kept. */
import "server-only";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { guardedLookup, isPrivateAddress, privateTargetsAllowed } from "./target";

export interface PostOutcome {
  /** The HTTP status, or null when no answer came (refused, timed out, reset). */
  statusCode: number | null;
  /** The start of the answer's body, or why there was none. */
  detail: string;
}

const KEEP_BYTES = 2_048;

export function postWebhook(rawUrl: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostOutcome> {
  return new Promise((resolve) => {
    const url = new URL(rawUrl);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    // A literal IP is connected to without a lookup: it is checked here.
    if (isIP(host) && isPrivateAddress(host) && !privateTargetsAllowed()) {
      resolve({ statusCode: null, detail: `${host} is a private address: refused` });
      return;
    }
    const client = url.protocol === "https:" ? https : http;
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(outcome);
    };
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: guardedLookup as never,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on("data", (chunk: Buffer) => {
          if (kept < KEEP_BYTES) chunks.push(chunk.subarray(0, KEEP_BYTES - kept));
          kept += chunk.length;
        });
        response.on("end", () => finish({ statusCode: response.statusCode ?? null, detail: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", (error) => finish({ statusCode: response.statusCode ?? null, detail: error.message }));
        response.on("close", () => finish({ statusCode: response.statusCode ?? null, detail: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    const deadline = setTimeout(() => {
      request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    request.on("error", (error) => finish({ statusCode: null, detail: error.message }));
    request.end(body);
  });
}
