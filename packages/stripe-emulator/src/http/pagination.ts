import type { Params } from "./form";
import { invalidRequest } from "./errors";

export interface ListResponse<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

/**
 * Cursor pagination over items already sorted newest first: `limit` (1–100, default 10), `starting_after`,
 * `ending_before`. Unknown cursors are a 400 resource_missing like Stripe.
 */
export function paginate<T extends { id: string }>(items: T[], params: Params, url: string, kind: string): ListResponse<T> {
  const limit = params.int("limit") ?? 10;
  if (limit < 1 || limit > 100) {
    throw invalidRequest(
      limit < 1 ? "This value must be greater than or equal to 1." : "This value must be less than or equal to 100.",
      "limit",
      "parameter_invalid_integer",
    );
  }
  const startingAfter = params.str("starting_after");
  const endingBefore = params.str("ending_before");
  const indexOf = (id: string, param: string): number => {
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) throw invalidRequest(`No such ${kind}: '${id}'`, param, "resource_missing");
    return index;
  };
  if (endingBefore) {
    const end = indexOf(endingBefore, "ending_before");
    const start = Math.max(0, end - limit);
    return { object: "list", data: items.slice(start, end), has_more: start > 0, url };
  }
  const start = startingAfter ? indexOf(startingAfter, "starting_after") + 1 : 0;
  const data = items.slice(start, start + limit);
  return { object: "list", data, has_more: start + limit < items.length, url };
}

/** Newest first: reverse insertion order (maps iterate in creation order). */
export function newestFirst<T>(values: Iterable<T>): T[] {
  return [...values].reverse();
}

/** `created[gte]=..` style filters, or an exact `created=..`. */
export function matchesRange(value: number, params: Params, key: string): boolean {
  if (!params.has(key)) return true;
  const exact = params.raw[key];
  if (typeof exact === "string") return value === params.int(key);
  const range = params.obj(key);
  if (!range) return true;
  const gt = range.int("gt");
  const gte = range.int("gte");
  const lt = range.int("lt");
  const lte = range.int("lte");
  if (gt !== undefined && !(value > gt)) return false;
  if (gte !== undefined && !(value >= gte)) return false;
  if (lt !== undefined && !(value < lt)) return false;
  if (lte !== undefined && !(value <= lte)) return false;
  return true;
}
