import { NextResponse } from "next/server";
import { getBillingSummary } from "@/lib/billing/summary";
import { route } from "@/lib/http/route";

export const GET = route({ access: "user" }, async ({ user }) => NextResponse.json(await getBillingSummary(user.id)));
