/**
 * A business customer's billing details: company name, billing address and VAT/GST ID, kept on the account's
 * Stripe customer, where Stripe Tax (STRIPE_TAX=on), Checkout, the portal and every invoice read them. Owners and
 * admins of an organization set them from its settings; a person from the billing page. Stripe is written first
 * (the tax ID first of all: a bad one changes nothing), then our copy of the tax IDs in one short statement.
 */
import "server-only";
import { z } from "zod";
import { getDb } from "@/db/client";
import type { CustomerTaxId } from "@/db/schema";
import { accountIdInput } from "@/lib/accounts/access";
import { AppError } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { stripeErrorType } from "@/lib/stripe/errors";
import {
  createCustomerTaxId,
  deleteCustomerTaxId,
  retrieveCustomerBillingDetails,
  updateCustomerNameAndAddress,
} from "@/lib/stripe/gateway";
import { ensureBillingCustomer, findBillingCustomer } from "./customers";
import { storeCustomerTaxIds } from "./stripe-pull";
import { stripeTaxEnabled } from "./tax-settings";

const text = (field: string, max: number) => z.string().trim().max(max, `${field} must be at most ${max} characters`);
/** Stripe's tax ID types are lower-case words joined by underscores (eu_vat, gb_vat, au_abn, us_ein, …). */
const TAX_ID_TYPE = /^[a-z]{2}_[a-z_]{2,12}$/;

export const billingDetailsBody = z
  .strictObject({
    accountId: accountIdInput,
    name: text("name", 200).min(1, "name is required"),
    address: z.strictObject({
      line1: text("address.line1", 200).min(1, "address.line1 is required"),
      line2: text("address.line2", 200).optional(),
      city: text("address.city", 100).min(1, "address.city is required"),
      postalCode: text("address.postalCode", 20).optional(),
      state: text("address.state", 100).optional(),
      country: z
        .string()
        .trim()
        .toUpperCase()
        .regex(/^[A-Z]{2}$/, "address.country must be a two-letter ISO country code (DE, GB, US, …)"),
    }),
    /** The VAT/GST ID; null removes the customer's tax IDs; absent leaves them. */
    taxId: z
      .strictObject({
        type: z.string().trim().regex(TAX_ID_TYPE, "taxId.type must be a Stripe tax ID type such as eu_vat, gb_vat or au_abn"),
        value: text("taxId.value", 50).min(1, "taxId.value is required"),
      })
      .nullable()
      .optional(),
  })
  .superRefine((body, ctx) => {
    // Stripe Tax cannot place a US or Canadian address without its state (and, in the US, its ZIP code).
    if ((body.address.country === "US" || body.address.country === "CA") && !body.address.state) {
      ctx.addIssue({ code: "custom", path: ["address", "state"], message: "address.state is required in the US and Canada" });
    }
    if (body.address.country === "US" && !body.address.postalCode) {
      ctx.addIssue({ code: "custom", path: ["address", "postalCode"], message: "address.postalCode is required in the US" });
    }
  });
export type BillingDetailsInput = z.infer<typeof billingDetailsBody>;

export interface BillingDetailsAddress {
  line1: string;
  line2: string | null;
  city: string;
  postalCode: string | null;
  state: string | null;
  country: string;
}

export interface BillingDetailsView {
  name: string | null;
  address: BillingDetailsAddress | null;
  taxIds: Array<CustomerTaxId & { verification: string | null }>;
  /** Whether Stripe Tax is on (STRIPE_TAX): invoices then carry tax by this address. */
  taxEnabled: boolean;
}

const empty = (): BillingDetailsView => ({ name: null, address: null, taxIds: [], taxEnabled: stripeTaxEnabled() });

/** Whether Stripe Tax can place this address: a country, and a state in the US and Canada. */
export function hasTaxLocation(address: { country?: string | null; state?: string | null } | null | undefined): boolean {
  const country = address?.country?.trim().toUpperCase();
  if (!country) return false;
  return (country !== "US" && country !== "CA") || Boolean(address?.state?.trim());
}

export const billingAddressRequired = () =>
  new AppError(
    "billing_address_required",
    "Add your billing address (and VAT ID for a business) before starting: taxes are computed from it.",
    {
      detailsUrl: "/billing#billing-details",
    },
  );

/** The account's billing details as Stripe has them (none before the account has a Stripe customer). */
export async function getBillingDetails(accountId: string): Promise<BillingDetailsView> {
  const customer = await findBillingCustomer(await getDb(), accountId);
  if (!customer || customer.deletedAt) return empty();
  const details = await retrieveCustomerBillingDetails(customer.providerCustomerId);
  if (details.deleted) return empty();
  const a = details.address;
  return {
    name: details.name,
    address:
      a && a.country
        ? {
            line1: a.line1 ?? "",
            line2: a.line2 ?? null,
            city: a.city ?? "",
            postalCode: a.postal_code ?? null,
            state: a.state ?? null,
            country: a.country,
          }
        : null,
    taxIds: details.taxIds.map(({ type, value, verification }) => ({ type, value, verification })),
    taxEnabled: stripeTaxEnabled(),
  };
}

/**
 * Sets the account's company name, billing address and tax ID on its Stripe customer (made first when it has none).
 * The new tax ID is added before anything else changes, so a bad one is a 400 `invalid_tax_id` with Stripe's reason
 * and the customer stays as it was; the customer's other tax IDs are then removed (the form keeps one).
 */
export async function updateBillingDetails(
  account: { id: string; email: string; name?: string | null },
  input: BillingDetailsInput,
): Promise<BillingDetailsView> {
  const customer = await ensureBillingCustomer(account);
  const customerId = customer.providerCustomerId;
  const before = await retrieveCustomerBillingDetails(customerId);
  let keepId: string | null = null;
  if (input.taxId) {
    const wanted = { type: input.taxId.type, value: input.taxId.value };
    const same = before.taxIds.find((t) => t.type === wanted.type && normalize(t.value) === normalize(wanted.value));
    if (same) keepId = same.id;
    else {
      try {
        keepId = (await createCustomerTaxId(customerId, wanted)).id;
      } catch (error) {
        if (stripeErrorType(error) === "StripeInvalidRequestError") {
          throw new AppError("invalid_tax_id", (error as { message?: string }).message || "This tax ID is not valid.", { field: "taxId" });
        }
        throw error;
      }
    }
  }
  const { address } = input;
  await updateCustomerNameAndAddress(customerId, {
    name: input.name,
    // Empty parts are left out (Stripe refuses empty strings there); the address is replaced as a whole.
    address: {
      line1: address.line1,
      ...(address.line2 ? { line2: address.line2 } : {}),
      city: address.city,
      ...(address.postalCode ? { postal_code: address.postalCode } : {}),
      ...(address.state ? { state: address.state } : {}),
      country: address.country,
    },
  });
  if (input.taxId !== undefined) {
    for (const old of before.taxIds) if (old.id !== keepId) await deleteCustomerTaxId(customerId, old.id);
  }
  // Our copy, as Stripe has it now (the webhooks say the same later; the older read never wins).
  const version = Date.now();
  const view = await getBillingDetails(account.id);
  await storeCustomerTaxIds(
    await getDb(),
    customerId,
    view.taxIds.map(({ type, value }) => ({ type, value })),
    version,
  );
  logger.info({ accountId: account.id, customerId, country: address.country, taxIds: view.taxIds.length }, "billing details updated");
  return view;
}

const normalize = (value: string) => value.replace(/\s+/g, "").toUpperCase();
