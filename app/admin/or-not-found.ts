import { notFound } from "next/navigation";
import { HttpError } from "@/lib/http/errors";

/** A domain read for a page: its 404 becomes the not-found page; anything else goes to error.tsx. */
export async function orNotFound<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) notFound();
    throw error;
  }
}
