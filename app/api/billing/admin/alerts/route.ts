import { NextResponse } from "next/server";
import { adminRevenueAlerts, saveRevenueAlertRule } from "@/lib/billing/admin/console";
import { revenueAlertInput } from "@/lib/billing/admin/revenue-alerts";
import { route } from "@/lib/http/route";

/** The revenue alert rules: settings, state (armed / firing since), last figure, and the schedule. */
export const GET = route({ access: "admin" }, async () => NextResponse.json(await adminRevenueAlerts()));

/** Saves one rule (enabled, percent, windowDays); audited; applies on the delivery job's next run. */
export const POST = route({ access: "admin", body: revenueAlertInput }, async ({ user, body }) =>
  NextResponse.json(await saveRevenueAlertRule(body, user.id)),
);

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
