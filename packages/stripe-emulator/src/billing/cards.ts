import type { CardErrorDetails } from "../http/errors";

/**
 * What a test card does:
 * - succeed: every charge succeeds
 * - decline: refused when first used (checkout / attach), like 4000000000000002
 * - charge_fail: attaches fine, every charge is declined (4000000000000341)
 * - authentication_required: every payment needs 3-D Secure (4000002760003184)
 * - authentication_required_on_setup: 3-D Secure when the customer saves it on session (Checkout); later
 *   off-session charges succeed (4000002500003155)
 */
export type CardBehaviour = "succeed" | "decline" | "charge_fail" | "authentication_required" | "authentication_required_on_setup";

export interface TestCard {
  number: string;
  brand: string;
  behaviour: CardBehaviour;
  funding: "credit" | "debit";
  country: string;
  decline?: CardErrorDetails;
}

const GENERIC_DECLINE: CardErrorDetails = {
  code: "card_declined",
  declineCode: "generic_decline",
  message: "Your card was declined.",
};

const CARDS: TestCard[] = [
  { number: "4242424242424242", brand: "visa", behaviour: "succeed", funding: "credit", country: "US" },
  { number: "4000056655665556", brand: "visa", behaviour: "succeed", funding: "debit", country: "US" },
  { number: "5555555555554444", brand: "mastercard", behaviour: "succeed", funding: "credit", country: "US" },
  { number: "378282246310005", brand: "amex", behaviour: "succeed", funding: "credit", country: "US" },
  { number: "4000002500003155", brand: "visa", behaviour: "authentication_required_on_setup", funding: "credit", country: "US" },
  { number: "4000000000000002", brand: "visa", behaviour: "decline", funding: "credit", country: "US", decline: GENERIC_DECLINE },
  {
    number: "4000000000009995",
    brand: "visa",
    behaviour: "decline",
    funding: "credit",
    country: "US",
    decline: { code: "card_declined", declineCode: "insufficient_funds", message: "Your card has insufficient funds." },
  },
  {
    number: "4000000000000069",
    brand: "visa",
    behaviour: "decline",
    funding: "credit",
    country: "US",
    decline: { code: "expired_card", declineCode: "expired_card", message: "Your card has expired.", param: "exp_month" },
  },
  {
    number: "4000000000000127",
    brand: "visa",
    behaviour: "decline",
    funding: "credit",
    country: "US",
    decline: { code: "incorrect_cvc", declineCode: "incorrect_cvc", message: "Your card's security code is incorrect.", param: "cvc" },
  },
  { number: "4000000000000341", brand: "visa", behaviour: "charge_fail", funding: "credit", country: "US", decline: GENERIC_DECLINE },
  { number: "4000002760003184", brand: "visa", behaviour: "authentication_required", funding: "credit", country: "DE" },
];

/** Stripe's `pm_card_*` / `tok_*` test tokens. */
const TOKENS: Record<string, string> = {
  visa: "4242424242424242",
  visa_debit: "4000056655665556",
  mastercard: "5555555555554444",
  amex: "378282246310005",
  visa_chargeDeclined: "4000000000000002",
  chargeDeclined: "4000000000000002",
  visa_chargeDeclinedInsufficientFunds: "4000000000009995",
  chargeDeclinedInsufficientFunds: "4000000000009995",
  chargeDeclinedExpiredCard: "4000000000000069",
  chargeDeclinedIncorrectCvc: "4000000000000127",
  chargeCustomerFail: "4000000000000341",
  authenticationRequired: "4000002760003184",
  threeDSecure2Required: "4000002760003184",
  authenticationRequiredOnSetup: "4000002500003155",
};

export function findCard(number: string): TestCard | undefined {
  return CARDS.find((c) => c.number === number);
}

/** Accepts a card number (spaces allowed) or a `pm_card_visa` / `tok_visa` style token. */
export function resolveTestCard(input: string): TestCard | undefined {
  const trimmed = input.trim();
  const token = /^(?:pm_card_|tok_)(.+)$/.exec(trimmed);
  if (token) {
    const number = TOKENS[token[1]];
    return number ? findCard(number) : undefined;
  }
  const digits = trimmed.replace(/[\s-]/g, "");
  if (!/^\d{12,19}$/.test(digits)) return undefined;
  const known = findCard(digits);
  if (known) return known;
  // Any other number that passes Luhn behaves like a successful card.
  return luhnValid(digits) ? { number: digits, brand: brandOf(digits), behaviour: "succeed", funding: "credit", country: "US" } : undefined;
}

function brandOf(digits: string): string {
  if (digits.startsWith("4")) return "visa";
  if (/^5[1-5]/.test(digits) || /^2[2-7]/.test(digits)) return "mastercard";
  if (/^3[47]/.test(digits)) return "amex";
  if (/^6(?:011|5)/.test(digits)) return "discover";
  return "unknown";
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export const INCORRECT_NUMBER: CardErrorDetails = {
  code: "incorrect_number",
  message: "Your card number is incorrect.",
  param: "number",
};
