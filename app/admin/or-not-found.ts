import { notFound } from "next/navigation";
import { isAppError } from "@/lib/errors";

/** A domain read for a page: its 404 becomes the not-found page; anything else goes to error.tsx. */
export async function orNotFound<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (isAppError(error, "not_found")) notFound();
    throw error;
  }
}
