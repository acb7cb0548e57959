import { sql } from "drizzle-orm";
import { NextResponse } from "next/server";
import { getDatabaseHandle } from "@/db/client";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";
import { paymentsMode } from "@/lib/stripe/client";

export const dynamic = "force-dynamic";

export const GET = route({ access: "public" }, async () => {
  try {
    const handle = await getDatabaseHandle();
    await handle.db.execute(sql`select 1`);
    return NextResponse.json({ ok: true, database: handle.kind, payments: paymentsMode() });
  } catch {
    throw new AppError("database_unavailable", "The database is unavailable.", { ok: false });
  }
});
