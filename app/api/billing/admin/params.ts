import { z } from "zod";
import { notFound } from "@/lib/http/errors";

/** An id from the path: anything that is not a uuid cannot exist, so it is a 404 (not a 500 from the database). */
export function uuidParam(id: string, what = "customer"): string {
  if (!z.uuid().safeParse(id).success) throw notFound(`No ${what} with that id.`);
  return id;
}
