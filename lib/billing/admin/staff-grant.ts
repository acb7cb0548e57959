/** The Staff plan is granted by admins through a subscription row of this provider (never billed). */
import "server-only";
export const ADMIN_GRANT_PROVIDER = "admin";
export const STAFF_PLAN_ID = "staff";
export const staffGrantId = (accountId: string) => `staff_${accountId}`;
