import { NextResponse, type NextRequest } from "next/server";
import { requireApiUser } from "@/lib/auth/session";
import { resumeSubscription } from "@/lib/billing/plan-change";
import { route } from "@/lib/http/route";

export const POST = route(async (request: NextRequest) => {
  const user = await requireApiUser(request);
  return NextResponse.json(await resumeSubscription(user.id));
});
