import "server-only";
import { z } from "zod";
import { accountIdInput } from "@/lib/accounts/access";
import { DATE_RANGE_MESSAGE, isDateInRange } from "@/lib/input-rules";
import { METER_IDS, type MeterId } from "../plans";
import { MAX_BATCH_EVENTS } from "./batch";
import { MAX_QUANTITY } from "./result";
import { MAX_HISTORY_DAYS } from "./usage-reads";

const meterIds = METER_IDS as [MeterId, ...MeterId[]];
const meter = z.enum(meterIds, { message: `must be one of: ${METER_IDS.join(", ")}` });

/** One usage event as the HTTP API takes it; unknown fields are refused so typos never pass silently. */
export const usageEventInput = z.strictObject({
  meter,
  quantity: z
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .positive("must be greater than zero")
    .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
  idempotencyKey: z.string({ message: "is required" }).trim().min(1, "is required").max(255, "must be at most 255 characters"),
  metadata: z
    .record(z.string().max(64), z.string().max(500, "values must be at most 500 characters"))
    .refine((m) => Object.keys(m).length <= 20, "at most 20 keys")
    .optional(),
});

/** One event posted on its own: it may name the account it is for (a batch names it once). */
export const singleUsageInput = usageEventInput.extend({ accountId: accountIdInput });

export const usageBatchInput = z.strictObject({
  accountId: accountIdInput,
  events: z
    .array(usageEventInput)
    .min(1, "must hold at least one event")
    .max(MAX_BATCH_EVENTS, `at most ${MAX_BATCH_EVENTS} events per batch`),
});

/** `{events: […]}` is a batch; anything else is one event. */
export const isBatchBody = (body: unknown): boolean => typeof body === "object" && body !== null && "events" in body;

const isoDate = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time" })
  .or(z.iso.date({ message: "must be an ISO 8601 date" }))
  .refine((d) => isDateInRange(d), DATE_RANGE_MESSAGE);

export const usageHistoryQuery = z
  .strictObject({
    meter,
    from: isoDate.optional(),
    to: isoDate.optional(),
    granularity: z.literal("day", { message: 'must be "day"' }).default("day"),
    accountId: accountIdInput,
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), { message: "must be after from", path: ["to"] })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= MAX_HISTORY_DAYS * 86_400_000, {
    message: `at most ${MAX_HISTORY_DAYS} days after from`,
    path: ["to"],
  });

export const apiKeyInput = z.strictObject({
  accountId: accountIdInput,
  name: z.string({ message: "is required" }).trim().min(1, "is required").max(100, "must be at most 100 characters"),
  expiresAt: z.iso
    .datetime({ offset: true, message: "must be an ISO 8601 date-time" })
    .refine((d) => isDateInRange(d), DATE_RANGE_MESSAGE)
    .nullish(),
});
