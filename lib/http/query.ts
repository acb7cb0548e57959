import type { z } from "zod";
import { badRequest } from "./errors";

/** Parses a request's query string with a zod schema; invalid parameters are a 400 naming the field. */
export function parseQuery<T extends z.ZodType>(request: Request, schema: T): z.infer<T> {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const result = schema.safeParse(params);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join(".") || undefined;
    throw badRequest(field ? `${field}: ${issue?.message}` : (issue?.message ?? "Invalid query."), { field });
  }
  return result.data;
}
