import pino from "pino";
import { currentRequestId } from "./request-context";

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info"),
  base: { service: "billing" },
  // Every line logged while handling a request carries its id.
  mixin: () => {
    const requestId = currentRequestId();
    return requestId ? { requestId } : {};
  },
  redact: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.passwordHash", "*.secret", "*.apiKey", "*.card"],
});
