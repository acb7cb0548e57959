import "server-only";
import { AppError } from "@/lib/errors";
import { apiMethodsFor } from "./api-methods";
import { SMALL_API_CACHE_CONTROL } from "./cache-control";
import { jsonError } from "./route";

/**
 * The handler every route.ts exports for the write methods it does not serve, so that a request
 * with a body (which never passes through proxy.ts) gets the same JSON 405 and `Allow` header as
 * one without, instead of Next's empty 405. It answers without reading the body.
 * tests/unit/route-declarations.test.ts checks every route file exports it for each such method.
 */
export const methodNotAllowed = Object.assign(
  async (request: Request): Promise<Response> => {
    const allowed = apiMethodsFor(new URL(request.url).pathname) ?? [];
    return jsonError(new AppError("method_not_allowed", `${request.method} is not allowed here.`), {
      Allow: allowed.join(", "),
      "Cache-Control": SMALL_API_CACHE_CONTROL,
    });
  },
  { refusesMethod: true as const },
);
