import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import { emitEvent } from "../events";
import { clone } from "../json";
import { invalidRequest, resourceMissing } from "../http/errors";
import { matchesRange, newestFirst, paginate } from "../http/pagination";
import { getCustomer } from "./lookup";
import { recordBalanceTransaction } from "../billing/invoices";

function balanceTransactionOf(emu: Emulator, customer: Stripe.Customer, id: string): Stripe.CustomerBalanceTransaction {
  const txn = emu.store.customerBalanceTransactions.get(id);
  if (!txn || txn.customer !== customer.id) throw resourceMissing("customer balance transaction", id);
  return txn;
}

/**
 * The customer's invoice credit balance ledger. `amount` moves `customer.balance`: negative is a credit (the
 * customer is owed money, applied to the next finalized invoice), positive a debit (added to it). Stripe records the
 * transactions itself too: `initial` and `adjustment` (customer create/update with `balance`), `applied_to_invoice`
 * at finalization, `credit_note` for a credit note's `credit_amount`.
 */
export function registerCustomerBalance(router: Router): void {
  router.post("/v1/customers/:id/balance_transactions", ({ emu, path, params }) => {
    const customer = getCustomer(emu, path.id);
    const amount = params.requiredInt("amount");
    const currency = params.requiredStr("currency").toLowerCase();
    if (customer.currency && customer.currency !== currency) {
      throw invalidRequest(
        `The currency of the balance transaction (${currency}) must match the customer's currency (${customer.currency}).`,
        "currency",
      );
    }
    const before = clone(customer);
    if (!customer.currency) customer.currency = currency;
    const txn = recordBalanceTransaction(emu, customer, {
      amount,
      type: "adjustment",
      currency,
      description: params.str("description") ?? null,
      metadata: params.applyMetadata({}),
    });
    emitEvent(emu, "customer.updated", customer, before);
    return txn;
  });
  router.get("/v1/customers/:id/balance_transactions", ({ emu, path, params }) => {
    const customer = getCustomer(emu, path.id);
    const invoice = params.str("invoice");
    const items = newestFirst(emu.store.customerBalanceTransactions.values()).filter(
      (t) => t.customer === customer.id && (!invoice || t.invoice === invoice) && matchesRange(t.created, params, "created"),
    );
    return paginate(items, params, `/v1/customers/${customer.id}/balance_transactions`, "customer balance transaction");
  });
  router.get("/v1/customers/:id/balance_transactions/:txn", ({ emu, path }) =>
    balanceTransactionOf(emu, getCustomer(emu, path.id), path.txn),
  );
  router.post("/v1/customers/:id/balance_transactions/:txn", ({ emu, path, params }) => {
    const txn = balanceTransactionOf(emu, getCustomer(emu, path.id), path.txn);
    const description = params.nullableStr("description");
    if (description !== undefined) txn.description = description;
    txn.metadata = params.applyMetadata(txn.metadata ?? {});
    return txn;
  });
}
