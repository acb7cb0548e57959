import { notFound } from "@/lib/errors";
import { route } from "@/lib/http/route";

/**
 * Any /api path no route serves: a JSON 404 rather than Next's HTML page. (Requests without a body
 * are already answered by proxy.ts, which also knows each route's methods for 405s.)
 */
const unknownApiPath = route({ access: "public", accepts: "raw" }, async ({ request }) => {
  throw notFound(`No API route at ${request.nextUrl.pathname}.`);
});

export { unknownApiPath as GET, unknownApiPath as POST, unknownApiPath as PUT, unknownApiPath as PATCH, unknownApiPath as DELETE };
