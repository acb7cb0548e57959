import type { z } from "zod";
import { parseInput } from "./route";

/** Parses a request's query string with a zod schema; invalid parameters are a 400 naming the field. */
export function parseQuery<T extends z.ZodType>(request: Request, schema: T): z.infer<T> {
  return parseInput(Object.fromEntries(new URL(request.url).searchParams), schema);
}

type SearchParams = Record<string, string | string[] | undefined>;

/** For pages: a query from searchParams, or the message of what is wrong (shown as an error state). */
export function parseSearchParams<T extends z.ZodType>(params: SearchParams, schema: T): { ok: true; data: z.infer<T> } | { ok: false; message: string } {
  const flat = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(flat);
  if (result.success) return { ok: true, data: result.data };
  const issue = result.error.issues[0];
  const field = issue?.path.join(".");
  return { ok: false, message: field ? `${field}: ${issue?.message}` : (issue?.message ?? "Invalid filters.") };
}

/** The plain string values of searchParams, for building links that keep the current filters. */
export function flatSearchParams(params: SearchParams): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
}
