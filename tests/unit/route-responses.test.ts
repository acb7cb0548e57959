import { NextResponse } from "next/server";
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";

const request = () => new Request("http://app.test/api/example");

describe("what route() sends", () => {
  it("is never stored; an answer under 1 KB is also no-transform (not gzipped), a larger one stays compressible", async () => {
    const small = await route({ access: "public" }, async () => NextResponse.json({ ok: true }))(request());
    expect(small.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(await small.json()).toEqual({ ok: true });

    const pad = "x".repeat(1_100);
    const large = await route({ access: "public" }, async () => NextResponse.json({ pad }))(request());
    expect(large.headers.get("cache-control")).toBe("no-store");
    expect(await large.json()).toEqual({ pad });
  });

  it("keeps the handler's status, headers and cookies", async () => {
    const handler = route({ access: "public" }, async () => {
      const response = NextResponse.json({ created: true }, { status: 201, headers: { "x-extra": "1" } });
      response.cookies.set("a", "1");
      response.cookies.set("b", "2");
      return response;
    });
    const response = await handler(request());
    expect(response.status).toBe(201);
    expect(response.headers.get("x-extra")).toBe("1");
    expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(/^a=1/), expect.stringMatching(/^b=2/)]);
  });

  it("marks error answers the same way", async () => {
    const response = await route({ access: "public" }, async () => {
      throw new AppError("not_found", "Nothing here.");
    })(request());
    expect(response.status).toBe(404);
    expect(response.headers.get("cache-control")).toBe("no-store, no-transform");
    expect(await response.json()).toEqual({ error: "not_found", message: "Nothing here." });
  });
});
