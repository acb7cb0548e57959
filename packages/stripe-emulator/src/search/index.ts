/**
 * `GET /v1/{resource}/search` for the seven searchable resources: one parser (query.ts), one field table
 * (fields.ts), one evaluator and one `page` / `next_page` pagination, shared by all of them.
 */
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { invalidRequest } from "../http/errors";
import { parseQuery, unparseableQuery, type Clause } from "./query";
import { SEARCH_FIELDS, searchable, type SearchField, type SearchResource } from "./fields";

export interface SearchResult<T> {
  object: "search_result";
  data: T[];
  has_more: boolean;
  next_page: string | null;
  url: string;
  total_count?: number;
}

/** A clause bound to its resource field, checked against the field's type. */
interface BoundClause {
  clause: Clause;
  field: SearchField;
}

function unsupportedField(resource: SearchResource, name: string) {
  return invalidRequest(
    `Field \`${name}\` is an unsupported search field for resource \`${resource}\`. See http://stripe.com/docs/search#query-fields-for-${resource.replace(/_/g, "-")} for a list of supported fields.`,
  );
}

const METADATA_FIELD: SearchField = { type: "token", get: () => null };

/** Each clause's field must exist on the resource and take the operator and value (Stripe: "returns an error"). */
function bind(resource: SearchResource, clause: Clause): BoundClause {
  // `metadata` is searched by key only (`metadata["key"]:…`).
  if (clause.field === "metadata" && clause.metadataKey === null) throw unparseableQuery();
  const fields = SEARCH_FIELDS[resource];
  const field = clause.field === "metadata" ? METADATA_FIELD : Object.hasOwn(fields, clause.field) ? fields[clause.field] : undefined;
  if (!field) throw unsupportedField(resource, clause.field);
  const { operator, value } = clause;
  if (value.kind === "null") {
    if (operator !== ":") throw unparseableQuery();
    return { clause, field };
  }
  if (operator === "~") {
    // Substring matching: string fields only, and "substrings must be a minimum of 3 characters".
    if (field.type !== "string" || value.text.length < 3) throw unparseableQuery();
  } else if (operator !== ":") {
    if (field.type !== "numeric") throw unparseableQuery();
  }
  // Quotes are optional for numbers (the parser took no other unquoted value); a numeric field takes only numbers.
  if (field.type === "numeric" && !/^-?\d+(\.\d+)?$/.test(value.text.trim())) throw unparseableQuery();
  return { clause, field };
}

const words = (text: string): string[] => text.toLowerCase().split(/\s+/).filter(Boolean);

/** "An exact match on a string type returns any record where that record contains all of the words from the query in the same order." */
function containsPhrase(haystack: string, needle: string): boolean {
  const have = words(haystack);
  const want = words(needle);
  if (want.length === 0) return have.length === 0;
  for (let i = 0; i + want.length <= have.length; i++) {
    if (want.every((w, j) => have[i + j] === w)) return true;
  }
  return false;
}

function valueOf(emu: Emulator, bound: BoundClause, object: { metadata?: Record<string, string> | null }): unknown {
  const { clause, field } = bound;
  if (clause.field === "metadata") return object.metadata?.[clause.metadataKey ?? ""];
  return field.get(emu, object as never);
}

function matchesClause(emu: Emulator, bound: BoundClause, object: { metadata?: Record<string, string> | null }): boolean {
  const { clause, field } = bound;
  const actual = valueOf(emu, bound, object);
  const absent = actual === null || actual === undefined || actual === "";
  if (clause.value.kind === "null") return absent;
  if (absent) return false;
  const expected = clause.value.text;
  if (field.type === "numeric") {
    const a = Number(actual);
    const b = Number(expected);
    switch (clause.operator) {
      case ">":
        return a > b;
      case "<":
        return a < b;
      case ">=":
        return a >= b;
      case "<=":
        return a <= b;
      default:
        return a === b;
    }
  }
  const text = String(actual);
  if (clause.operator === "~") return text.toLowerCase().includes(expected.toLowerCase());
  if (field.type === "string") return containsPhrase(text, expected);
  return text.toLowerCase() === expected.toLowerCase();
}

/** The page token: opaque to clients, bound to the query it continues. */
function encodePage(query: string, offset: number): string {
  return `page_${Buffer.from(JSON.stringify({ q: query, o: offset })).toString("base64url")}`;
}

function decodePage(query: string, token: string): number {
  const invalid = invalidRequest(`Invalid page: '${token}' is not a next_page returned by a search with this query.`, "page");
  if (!token.startsWith("page_")) throw invalid;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token.slice(5), "base64url").toString("utf8"));
  } catch {
    throw invalid;
  }
  if (typeof decoded !== "object" || decoded === null) throw invalid;
  const { q, o } = decoded as { q?: unknown; o?: unknown };
  if (q !== query || typeof o !== "number" || !Number.isInteger(o) || o < 0) throw invalid;
  return o;
}

function searchLimit(params: Params): number {
  const limit = params.int("limit") ?? 10;
  if (limit < 1) throw invalidRequest("This value must be greater than or equal to 1.", "limit", "parameter_invalid_integer");
  if (limit > 100) throw invalidRequest("This value must be less than or equal to 100.", "limit", "parameter_invalid_integer");
  return limit;
}

/** Run one search: the matching objects, newest first, one page of `limit` from the `page` token's offset. */
export function runSearch(emu: Emulator, resource: SearchResource, params: Params): SearchResult<object> {
  const query = params.requiredStr("query");
  const parsed = parseQuery(query);
  const bound = parsed.clauses.map((clause) => bind(resource, clause));
  const limit = searchLimit(params);
  const page = params.str("page");
  const offset = page === undefined ? 0 : decodePage(query, page);
  const matches = (object: { metadata?: Record<string, string> | null }) => {
    const results = bound.map((b) => matchesClause(emu, b, object) !== b.clause.negated);
    return parsed.connector === "OR" ? results.some(Boolean) : results.every(Boolean);
  };
  // Newest first: by `created`, then the later-created of two objects made in the same second.
  const all = searchable(emu, resource);
  const order = new Map(all.map((o, i) => [o.id, i]));
  const hits = all.filter(matches).sort((a, b) => b.created - a.created || (order.get(b.id) ?? 0) - (order.get(a.id) ?? 0));
  const data = hits.slice(offset, offset + limit);
  const hasMore = offset + limit < hits.length;
  return {
    object: "search_result",
    data,
    has_more: hasMore,
    next_page: hasMore ? encodePage(query, offset + limit) : null,
    url: `/v1/${resource}/search`,
    // Not included by default: "To include it in the response, expand the total_count field."
    ...(params.expand().includes("total_count") ? { total_count: hits.length } : {}),
  };
}

export const SEARCH_RESOURCES = Object.keys(SEARCH_FIELDS) as SearchResource[];

export function registerSearch(router: Router): void {
  for (const resource of SEARCH_RESOURCES) {
    router.get(`/v1/${resource}/search`, ({ emu, params }) => runSearch(emu, resource, params));
  }
}
