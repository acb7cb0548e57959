/**
 * Prepaid credits: packs of a meter's units bought in advance (one-time Checkout payments or auto
 * top-ups with the saved card), drawn by `consume` once the plan's included amount is used up.
 */
import "server-only";
export {
  readAccountCredits,
  creditPurchase,
  removeRefundedCredits,
  CREDIT_HISTORY_LIMIT,
  type MeterCredits,
  type CreditHistoryLine,
} from "./ledger";
export { startCreditsCheckout, setAutoTopUp, creditsCheckoutInput, autoTopUpInput, resolvePack } from "./purchase";
export { runAutoTopUps, TOP_UP_RETRY_DAYS, type TopUpReport } from "./top-ups";
