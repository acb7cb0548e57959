/**
 * Plan constants: values a plan grants that are neither counters (meters) nor on/off switches
 * (features), such as how far back history goes or which support channel answers. Declared once
 * here, given a value by every plan in lib/billing/plans.ts (the compiler insists on all of them),
 * and returned by the entitlements API and `getConstant` (lib/billing/entitlement-read.ts).
 */
import "server-only";

export const SUPPORT_LEVELS = ["community", "email", "priority", "dedicated"] as const;
export type SupportLevel = (typeof SUPPORT_LEVELS)[number];

/** The constants every plan declares, with their types. */
export interface PlanConstants {
  /** How many days of usage history and reports the product keeps visible. */
  lookbackDays: number;
  /** How many AI models an account may configure at once. */
  maxModels: number;
  /** Who answers when the customer asks for help. */
  support: SupportLevel;
}
export type ConstantId = keyof PlanConstants;

/** How each constant reads on a screen: its label and, for numbers, its unit. */
export const CONSTANT_LABELS: Record<ConstantId, { label: string; unit?: string }> = {
  lookbackDays: { label: "History", unit: "days" },
  maxModels: { label: "Models", unit: "models" },
  support: { label: "Support" },
};
export const CONSTANT_IDS = Object.keys(CONSTANT_LABELS) as ConstantId[];

/**
 * Checks a plan's constants at run time too (the catalog is typed, but a fork may build plans from
 * configuration): every constant present, numbers whole and not negative, support a known level.
 * Throws naming the plan and the constant.
 */
export function assertPlanConstants(planId: string, constants: Record<string, unknown>): asserts constants is Record<ConstantId, unknown> {
  for (const id of CONSTANT_IDS) {
    const value = constants[id];
    if (value === undefined) throw new Error(`Plan "${planId}" does not declare the constant "${id}".`);
    if (id === "support") {
      if (!(SUPPORT_LEVELS as readonly unknown[]).includes(value))
        throw new Error(`Plan "${planId}": support must be one of ${SUPPORT_LEVELS.join(", ")}.`);
    } else if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw new Error(`Plan "${planId}": ${id} must be a whole number of at least 0.`);
    }
  }
  for (const id of Object.keys(constants)) {
    if (!CONSTANT_IDS.includes(id as ConstantId)) throw new Error(`Plan "${planId}" declares an unknown constant "${id}".`);
  }
}
