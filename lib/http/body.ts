import "server-only";
import { AppError } from "@/lib/errors";

/**
 * Reads a request body as text, refusing (413) anything larger than `maxBytes` without buffering it all.
 * A client that hangs up mid-body (Node reports `ECONNRESET` "aborted") is `request_aborted`: it says
 * nothing about the database or Stripe, whose outage codes share that errno.
 */
export async function readBodyWithLimit(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const tooLarge = () => new AppError("payload_too_large", `The request body must be at most ${maxBytes} bytes.`);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      throw new AppError("request_aborted", "The request was closed before its body arrived.");
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
