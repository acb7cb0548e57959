import type { Metadata } from "next";
import { ActionButton } from "@/components/admin/action-button";
import { PromotionForm } from "@/components/admin/promotion-form";
import { DataTable, EmptyRow, Td, Th } from "@/components/admin/table";
import { LocalTime } from "@/components/local-time";
import { requireAdmin } from "@/lib/auth/session";
import { adminPromotions } from "@/lib/billing/admin/console";

export const metadata: Metadata = { title: "Promotions · Admin" };
export const dynamic = "force-dynamic";

/** Coupons and promotion codes, read from Stripe: create, see redemptions, deactivate. */
export default async function AdminPromotionsPage() {
  await requireAdmin("/admin/promotions");
  const { promotionCodes } = await adminPromotions();
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Promotions</h1>
      <p className="text-sm text-gray-600">
        Each code grants a coupon. Customers type it in Checkout, on the billing page, or arrive with{" "}
        <code className="font-mono">/pricing?promo=CODE</code>. Deactivating a code stops new redemptions; discounts already given keep
        running.
      </p>
      <PromotionForm />
      <DataTable caption="Promotion codes" testId="promotion-codes">
        <thead>
          <tr>
            <Th>Code</Th>
            <Th>Offer</Th>
            <Th className="text-right">Redeemed</Th>
            <Th>Expires</Th>
            <Th>Restrictions</Th>
            <Th>Status</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </tr>
        </thead>
        <tbody>
          {promotionCodes.length === 0 && <EmptyRow colSpan={7}>No promotion codes yet.</EmptyRow>}
          {promotionCodes.map((p) => (
            <tr key={p.id}>
              <Td>
                <span className="font-mono">{p.code}</span>
              </Td>
              <Td>
                {p.offer}
                {p.couponName && <span className="block text-xs text-gray-600">{p.couponName}</span>}
              </Td>
              <Td className="text-right tabular-nums">
                {p.timesRedeemed}
                {p.maxRedemptions !== null ? ` / ${p.maxRedemptions}` : ""}
              </Td>
              <Td>{p.expiresAt ? <LocalTime value={p.expiresAt} style="date" /> : "Never"}</Td>
              <Td>{p.firstTimeOnly ? "First-time customers" : "—"}</Td>
              <Td>{p.active ? "Active" : "Inactive"}</Td>
              <Td>
                {p.active && (
                  <ActionButton
                    url={`/api/billing/admin/promotions/${p.id}/deactivate`}
                    label={`Deactivate ${p.code}`}
                    pendingLabel="Deactivating…"
                    done="Deactivated."
                    tone="danger"
                  />
                )}
              </Td>
            </tr>
          ))}
        </tbody>
      </DataTable>
    </div>
  );
}
