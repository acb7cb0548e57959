import { NextResponse } from "next/server";
import { getBillingSummary } from "@/lib/billing/summary";
import { route } from "@/lib/http/route";

export const GET = route({ access: "user" }, async ({ user }) => NextResponse.json(await getBillingSummary(user.id)));

export { methodNotAllowed as POST, methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
