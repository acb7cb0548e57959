import type Stripe from "stripe";
import type { Router } from "../http/router";
import type { Emulator } from "../emulator";
import type { Params } from "../http/form";
import { emitEvent } from "../events";
import { clone } from "../json";
import { newId } from "../ids";
import { invalidRequest, resourceMissing } from "../http/errors";
import { matchesRange, newestFirst, paginate } from "../http/pagination";
import { buildCreditNote, issueCreditNote, planCreditNote, refundCharge, voidCreditNote } from "../billing/credit-notes";

const REFUND_REASONS = ["duplicate", "fraudulent", "requested_by_customer"] as const;

/**
 * `POST /v1/refunds`: (part of) a succeeded charge, named by `charge` or `payment_intent` (its latest charge); all
 * that is left when `amount` is absent. charge.refunded and refund.created, as Stripe sends them.
 */
function createRefund(emu: Emulator, params: Params): Stripe.Refund {
  const chargeId = params.str("charge");
  const intentId = params.str("payment_intent");
  if (chargeId && intentId) throw invalidRequest("You may only specify one of these parameters: charge, payment_intent.", "charge");
  if (!chargeId && !intentId)
    throw invalidRequest("One of the following params should be provided for this request: payment_intent or charge.");
  let charge: Stripe.Charge | undefined;
  if (intentId) {
    const intent = emu.store.paymentIntents.get(intentId);
    if (!intent) throw resourceMissing("payment_intent", intentId);
    charge = typeof intent.latest_charge === "string" ? emu.store.charges.get(intent.latest_charge) : undefined;
    if (!charge || intent.status !== "succeeded") {
      throw invalidRequest(
        `This PaymentIntent (${intentId}) does not have a successful charge to refund.`,
        "payment_intent",
        "charge_not_refundable",
      );
    }
  } else {
    charge = emu.store.charges.get(chargeId as string);
    if (!charge) throw resourceMissing("charge", chargeId as string);
  }
  if (charge.status !== "succeeded" || !charge.captured)
    throw invalidRequest(`Charge ${charge.id} has not been captured or did not succeed.`, "charge", "charge_not_refundable");
  const left = charge.amount - charge.amount_refunded;
  if (left <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, undefined, "charge_already_refunded");
  const amount = params.int("amount") ?? left;
  if (amount < 1) throw invalidRequest("Invalid positive integer", "amount");
  if (amount > left) {
    throw invalidRequest(
      `Refund amount ($${(amount / 100).toFixed(2)}) is greater than unrefunded amount on charge ($${(left / 100).toFixed(2)})`,
      "amount",
    );
  }
  const refund = refundCharge(emu, charge, amount, params.oneOf("reason", REFUND_REASONS) ?? null);
  refund.metadata = params.applyMetadata({});
  return refund;
}

function getCreditNote(emu: Emulator, id: string): Stripe.CreditNote {
  const note = emu.store.creditNotes.get(id);
  if (!note) throw resourceMissing("credit note", id);
  return note;
}

/** Credit notes (`/v1/credit_notes`), the refunds they create, and refunds of charges (`/v1/refunds`). */
export function registerCreditNotes(router: Router): void {
  router.post("/v1/credit_notes", ({ emu, params }) => issueCreditNote(emu, planCreditNote(emu, params)));
  router.get("/v1/credit_notes/preview", ({ emu, params }) => buildCreditNote(emu, planCreditNote(emu, params), newId("cn"), 0));
  router.get("/v1/credit_notes/preview/lines", ({ emu, params }) => {
    const plan = planCreditNote(emu, params);
    return paginate(plan.lines, params, "/v1/credit_notes/preview/lines", "credit note line item");
  });
  router.get("/v1/credit_notes", ({ emu, params }) => {
    const invoice = params.str("invoice");
    const customer = params.str("customer");
    const items = newestFirst(emu.store.creditNotes.values()).filter(
      (c) => (!invoice || c.invoice === invoice) && (!customer || c.customer === customer) && matchesRange(c.created, params, "created"),
    );
    return paginate(items, params, "/v1/credit_notes", "credit note");
  });
  router.get("/v1/credit_notes/:id", ({ emu, path }) => getCreditNote(emu, path.id));
  router.get("/v1/credit_notes/:id/lines", ({ emu, path, params }) => {
    const note = getCreditNote(emu, path.id);
    return paginate(note.lines.data, params, `/v1/credit_notes/${note.id}/lines`, "credit note line item");
  });
  router.post("/v1/credit_notes/:id", ({ emu, path, params }) => {
    const note = getCreditNote(emu, path.id);
    const before = clone(note);
    const memo = params.str("memo");
    if (memo !== undefined) note.memo = memo;
    note.metadata = params.applyMetadata(note.metadata ?? {});
    emitEvent(emu, "credit_note.updated", note, before);
    return note;
  });
  router.post("/v1/credit_notes/:id/void", ({ emu, path }) => voidCreditNote(emu, getCreditNote(emu, path.id)));

  router.post("/v1/refunds", ({ emu, params }) => createRefund(emu, params));
  router.get("/v1/refunds", ({ emu, params }) => {
    const charge = params.str("charge");
    const intent = params.str("payment_intent");
    const items = newestFirst(emu.store.refunds.values()).filter(
      (r) => (!charge || r.charge === charge) && (!intent || r.payment_intent === intent) && matchesRange(r.created, params, "created"),
    );
    return paginate(items, params, "/v1/refunds", "refund");
  });
  router.get("/v1/refunds/:id", ({ emu, path }) => {
    const refund = emu.store.refunds.get(path.id);
    if (!refund) throw resourceMissing("refund", path.id);
    return refund;
  });
}
