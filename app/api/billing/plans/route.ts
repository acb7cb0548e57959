import { NextResponse } from "next/server";
import { publicCatalog } from "@/lib/billing/catalog-view";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = route({ access: "public" }, async () => NextResponse.json(await publicCatalog()));
