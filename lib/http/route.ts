import { NextResponse } from "next/server";
import { z } from "zod";
import { databaseAppError } from "@/db/errors";
import { logger } from "@/lib/logger";
import { withRequestContext } from "@/lib/request-context";
import { AppError, badRequest } from "@/lib/errors";
import { stripeAppError } from "@/lib/stripe/errors";
import { httpStatus } from "./errors";

/** `{error: code, message, ...details}` with the status the code maps to. */
export function jsonError(error: AppError, headers?: HeadersInit): NextResponse {
  return NextResponse.json(
    { ...error.details, error: error.code, message: error.message },
    { status: httpStatus(error.code), headers },
  );
}

/**
 * Wraps a route handler so that thrown AppErrors (and Stripe SDK errors) become JSON responses with
 * the status their code maps to, and anything unexpected becomes a logged 500 that leaks no internals.
 */
export function route<Args extends unknown[]>(
  handler: (...args: Args) => Promise<Response>,
): (...args: Args) => Promise<Response> {
  return async (...args: Args) => withRequestContext(args[0], async () => {
    try {
      return await handler(...args);
    } catch (error) {
      if (error instanceof AppError) return jsonError(error);
      const databaseError = databaseAppError(error);
      if (databaseError) {
        logger.warn({ err: error }, "database unavailable");
        return jsonError(databaseError);
      }
      const stripeError = stripeAppError(error);
      if (stripeError) {
        logger.warn({ err: error }, "payment provider error");
        return jsonError(stripeError);
      }
      logger.error({ err: error }, "unhandled route error");
      return jsonError(new AppError("internal_error", "Something went wrong. Please try again."));
    }
  });
}

/** Parses a JSON body with a zod schema; malformed JSON or invalid fields are a 400 naming the problem. */
export async function parseJson<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  try {
    const text = await request.text();
    body = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw badRequest("The request body must be valid JSON.");
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join(".") || undefined;
    throw badRequest(field ? `${field}: ${issue?.message}` : (issue?.message ?? "Invalid request."), {
      field,
      issues: result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return result.data;
}
