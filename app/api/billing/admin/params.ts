import { z } from "zod";
import { notFound } from "@/lib/errors";

/** An id from the path: anything that is not a uuid cannot exist, so it is a 404 (not a 500 from the database). */
export async function uuidParam(params: Promise<Record<string, string | string[] | undefined>>, what = "customer"): Promise<string> {
  const id = (await params).id;
  if (typeof id !== "string" || !z.uuid().safeParse(id).success) throw notFound(`No ${what} with that id.`);
  return id;
}
