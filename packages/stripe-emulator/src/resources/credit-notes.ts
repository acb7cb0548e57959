import type Stripe from 'stripe';
import type { Router } from '../http/router';
import type { Emulator } from '../emulator';
import { emitEvent } from '../events';
import { clone } from '../json';
import { newId } from '../ids';
import { resourceMissing } from '../http/errors';
import { matchesRange, newestFirst, paginate } from '../http/pagination';
import { buildCreditNote, issueCreditNote, planCreditNote, voidCreditNote } from '../billing/credit-notes';

function getCreditNote(emu: Emulator, id: string): Stripe.CreditNote {
  const note = emu.store.creditNotes.get(id);
  if (!note) throw resourceMissing('credit note', id);
  return note;
}

/** Credit notes (`/v1/credit_notes`) and the refunds they create (`/v1/refunds`, read-only). */
export function registerCreditNotes(router: Router): void {
  router.post('/v1/credit_notes', ({ emu, params }) => issueCreditNote(emu, planCreditNote(emu, params)));
  router.get('/v1/credit_notes/preview', ({ emu, params }) => buildCreditNote(emu, planCreditNote(emu, params), newId('cn'), 0));
  router.get('/v1/credit_notes/preview/lines', ({ emu, params }) => {
    const plan = planCreditNote(emu, params);
    return paginate(plan.lines, params, '/v1/credit_notes/preview/lines', 'credit note line item');
  });
  router.get('/v1/credit_notes', ({ emu, params }) => {
    const invoice = params.str('invoice');
    const customer = params.str('customer');
    const items = newestFirst(emu.store.creditNotes.values()).filter(
      (c) => (!invoice || c.invoice === invoice) && (!customer || c.customer === customer) && matchesRange(c.created, params, 'created'),
    );
    return paginate(items, params, '/v1/credit_notes', 'credit note');
  });
  router.get('/v1/credit_notes/:id', ({ emu, path }) => getCreditNote(emu, path.id));
  router.get('/v1/credit_notes/:id/lines', ({ emu, path, params }) => {
    const note = getCreditNote(emu, path.id);
    return paginate(note.lines.data, params, `/v1/credit_notes/${note.id}/lines`, 'credit note line item');
  });
  router.post('/v1/credit_notes/:id', ({ emu, path, params }) => {
    const note = getCreditNote(emu, path.id);
    const before = clone(note);
    const memo = params.str('memo');
    if (memo !== undefined) note.memo = memo;
    note.metadata = params.applyMetadata(note.metadata ?? {});
    emitEvent(emu, 'credit_note.updated', note, before);
    return note;
  });
  router.post('/v1/credit_notes/:id/void', ({ emu, path }) => voidCreditNote(emu, getCreditNote(emu, path.id)));

  router.get('/v1/refunds', ({ emu, params }) => {
    const charge = params.str('charge');
    const intent = params.str('payment_intent');
    const items = newestFirst(emu.store.refunds.values()).filter(
      (r) => (!charge || r.charge === charge) && (!intent || r.payment_intent === intent) && matchesRange(r.created, params, 'created'),
    );
    return paginate(items, params, '/v1/refunds', 'refund');
  });
  router.get('/v1/refunds/:id', ({ emu, path }) => {
    const refund = emu.store.refunds.get(path.id);
    if (!refund) throw resourceMissing('refund', path.id);
    return refund;
  });
}
