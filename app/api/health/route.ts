import { sql } from "drizzle-orm";
import { NextResponse } from "next/server";
import { getDatabaseHandle } from "@/db/client";
import { paymentsMode } from "@/lib/stripe/client";

export const dynamic = "force-dynamic";

export async function GET() {
  try {
    const handle = await getDatabaseHandle();
    await handle.db.execute(sql`select 1`);
    return NextResponse.json({ ok: true, database: handle.kind, payments: paymentsMode() });
  } catch {
    return NextResponse.json({ ok: false, error: "database_unavailable" }, { status: 503 });
  }
}
