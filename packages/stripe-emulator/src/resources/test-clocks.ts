import type Stripe from "stripe";
import type { Router } from "../http/router";
import { newId } from "../ids";
import { emitEvent } from "../events";
import { clone } from "../json";
import { invalidRequest } from "../http/errors";
import { newestFirst, paginate } from "../http/pagination";
import { getTestClock } from "./lookup";
import { advanceTime } from "../billing/engine";
import { DAY } from "../config";

export function registerTestClocks(router: Router): void {
  router.post("/v1/test_helpers/test_clocks", ({ emu, params }) => {
    const frozenTime = params.requiredInt("frozen_time");
    const clock: Stripe.TestHelpers.TestClock = {
      id: newId("clock"),
      object: "test_helpers.test_clock",
      created: emu.realNow(),
      deletes_after: emu.realNow() + 30 * DAY,
      frozen_time: frozenTime,
      livemode: false,
      name: params.str("name") ?? null,
      status: "ready",
      status_details: {},
    };
    emu.store.testClocks.set(clock.id, clock);
    emitEvent(emu, "test_helpers.test_clock.created", clock);
    return clock;
  });
  router.get("/v1/test_helpers/test_clocks", ({ emu, params }) =>
    paginate(newestFirst(emu.store.testClocks.values()), params, "/v1/test_helpers/test_clocks", "test clock"),
  );
  router.get("/v1/test_helpers/test_clocks/:id", ({ emu, path }) => getTestClock(emu, path.id));
  router.delete("/v1/test_helpers/test_clocks/:id", ({ emu, path }) => {
    const clock = getTestClock(emu, path.id);
    emu.store.testClocks.delete(clock.id);
    // Deleting a clock deletes the objects that live on it.
    for (const [id, customer] of emu.store.customers) {
      if (customer.test_clock === clock.id) {
        emu.store.customers.delete(id);
        emu.store.deletedCustomers.add(id);
      }
    }
    for (const [id, sub] of emu.store.subscriptions) if (sub.test_clock === clock.id) emu.store.subscriptions.delete(id);
    for (const [id, inv] of emu.store.invoices) if (inv.test_clock === clock.id) emu.store.invoices.delete(id);
    for (const [id, sched] of emu.store.subscriptionSchedules)
      if (sched.test_clock === clock.id) emu.store.subscriptionSchedules.delete(id);
    emitEvent(emu, "test_helpers.test_clock.deleted", clock);
    const deleted: Stripe.TestHelpers.DeletedTestClock = { id: clock.id, object: "test_helpers.test_clock", deleted: true };
    return deleted;
  });
  router.post("/v1/test_helpers/test_clocks/:id/advance", ({ emu, path, params }) => {
    const clock = getTestClock(emu, path.id);
    const target = params.requiredInt("frozen_time");
    if (target <= clock.frozen_time) {
      throw invalidRequest(
        `Cannot advance a test clock to a time earlier than or equal to its current frozen time (${clock.frozen_time}).`,
        "frozen_time",
        "test_clock_invalid_frozen_time",
      );
    }
    clock.status = "advancing";
    clock.status_details = { advancing: { target_frozen_time: target } };
    emitEvent(emu, "test_helpers.test_clock.advancing", clock);
    // Stripe answers while the clock is still advancing; here the work is done before answering, so a poll for
    // status=ready succeeds at once.
    const response = clone(clock);
    advanceTime(emu, clock.id, target);
    clock.status = "ready";
    clock.status_details = {};
    emitEvent(emu, "test_helpers.test_clock.ready", clock);
    return response;
  });
}
