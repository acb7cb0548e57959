import { NextResponse } from "next/server";
import { route } from "@/lib/http/route";

export const GET = route({ access: "user" }, async ({ user }) => NextResponse.json({ user }));
