import { API_VERSION } from "../config";
import { invalidRequest, type StripeApiError } from "../http/errors";

/**
 * Every published Stripe API version the emulator answers in, oldest first: from 2020-08-27 up to the pinned
 * version (the `WebhookEndpointCreateParams.api_version` enum of the pinned stripe-node, without the Dashboard-only
 * `2025-03-01.dashboard`; Stripe published no version between 2020-08-27 and 2022-08-01). The last one is the
 * account default, used when a request sends no `Stripe-Version`.
 */
export const API_VERSIONS = [
  "2020-08-27",
  "2022-08-01",
  "2022-11-15",
  "2023-08-16",
  "2023-10-16",
  "2024-04-10",
  "2024-06-20",
  "2024-09-30.acacia",
  "2024-10-28.acacia",
  "2024-11-20.acacia",
  "2024-12-18.acacia",
  "2025-01-27.acacia",
  "2025-02-24.acacia",
  "2025-03-31.basil",
  "2025-04-30.basil",
  "2025-05-28.basil",
  "2025-06-30.basil",
  "2025-07-30.basil",
  "2025-08-27.basil",
  "2025-09-30.clover",
  "2025-10-29.clover",
  "2025-11-17.clover",
  "2025-12-15.clover",
  "2026-01-28.clover",
  "2026-02-25.clover",
  "2026-03-25.dahlia",
  "2026-04-22.dahlia",
  "2026-05-27.dahlia",
  "2026-06-24.dahlia",
  "2026-07-29.dahlia",
  "2026-08-26.dahlia",
  "2026-09-30.endive",
  "2026-10-28.endive",
] as const;

export type ApiVersion = (typeof API_VERSIONS)[number];

/** Versions Stripe published before 2020-08-27 (and the Dashboard's own): real, but not rendered by the emulator. */
const OLDER_STRIPE_VERSION = /^(201\d-\d\d-\d\d|2020-0[1-7]-\d\d|2020-08-(0\d|1\d|2[0-6])|2025-03-01\.dashboard)$/;

export function isApiVersion(value: string): value is ApiVersion {
  return (API_VERSIONS as readonly string[]).includes(value);
}

/** Negative when `a` is older than `b`. */
export function compareVersions(a: ApiVersion, b: ApiVersion): number {
  return API_VERSIONS.indexOf(a) - API_VERSIONS.indexOf(b);
}

/** Whether a client on `version` predates a change made in `changedIn`. */
export function before(version: ApiVersion, changedIn: ApiVersion): boolean {
  return compareVersions(version, changedIn) < 0;
}

/** The error for a version the emulator cannot render: Stripe's own for a version that does not exist. */
export function unknownVersionError(value: string, param?: string): StripeApiError {
  if (OLDER_STRIPE_VERSION.test(value)) {
    return invalidRequest(
      `Stripe API version ${value} is not supported by the emulator: it answers in ${API_VERSIONS[0]} through ${API_VERSIONS[API_VERSIONS.length - 1]} (see stripe-emulator/README.md, "API versions").`,
      param,
      "emulator_unsupported_api_version",
    );
  }
  return invalidRequest(`Invalid Stripe API version: ${value}`, param);
}

/** The version a request is answered in: its `Stripe-Version` header, or the account default (the pinned version). */
export function requestVersion(header: string | undefined): ApiVersion {
  if (header === undefined) return API_VERSION;
  const value = header.trim();
  if (isApiVersion(value)) return value;
  throw unknownVersionError(value);
}
