import { NextResponse } from "next/server";
import { deactivateAdminPromotion } from "@/lib/billing/admin/console";
import { notFound } from "@/lib/errors";
import { route } from "@/lib/http/route";

/** Deactivates a promotion code (`promo_…`): no new redemptions; audited. */
export const POST = route({ access: "admin" }, async ({ user, params }) => {
  const id = (await params).id;
  if (typeof id !== "string" || !/^promo_[A-Za-z0-9]+$/.test(id)) throw notFound("No promotion code with that id.");
  return NextResponse.json(await deactivateAdminPromotion(id, user.id));
});

export { methodNotAllowed as PUT, methodNotAllowed as PATCH, methodNotAllowed as DELETE } from "@/lib/http/method-not-allowed";
