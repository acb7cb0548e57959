import "server-only";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPath } from "@/lib/input-rules";
import { parseInput } from "./route";

/** Parses a request's query string with a zod schema; invalid parameters are a 400 naming the field. */
export function parseQuery<T extends z.ZodType>(request: Request, schema: T): z.infer<T> {
  return parseInput(Object.fromEntries(new URL(request.url).searchParams), schema);
}

type SearchParams = Record<string, string | string[] | undefined>;

/** For pages: a query from searchParams, or the message of what is wrong (shown as an error state). */
export function parseSearchParams<T extends z.ZodType>(
  params: SearchParams,
  schema: T,
): { ok: true; data: z.infer<T> } | { ok: false; message: string } {
  const flat = Object.fromEntries(
    Object.entries(params)
      .map(([k, v]) => [k, Array.isArray(v) ? v[0] : v])
      .filter(([, v]) => v !== undefined && v !== ""),
  );
  const unstorable = unstorableTextPath(flat);
  if (unstorable !== null) return { ok: false, message: `${unstorable}: ${UNSTORABLE_TEXT_MESSAGE}` };
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

/**
 * For list pages: the query from searchParams and the page's one domain read with it. Invalid
 * filters, and a cursor or filter the read refuses (a 400 such as a malformed cursor), are the
 * message shown as the page's error state instead of a 500.
 */
export async function readWithSearchParams<T extends z.ZodType, R>(
  params: SearchParams,
  schema: T,
  read: (query: z.infer<T>) => Promise<R>,
): Promise<{ ok: true; data: z.infer<T>; result: R } | { ok: false; message: string }> {
  const parsed = parseSearchParams(params, schema);
  if (!parsed.ok) return parsed;
  try {
    return { ok: true, data: parsed.data, result: await read(parsed.data) };
  } catch (error) {
    if (error instanceof AppError && error.code === "bad_request") {
      const field = typeof error.details.field === "string" ? error.details.field : undefined;
      return { ok: false, message: field && !error.message.startsWith(field) ? `${field}: ${error.message}` : error.message };
    }
    throw error;
  }
}
