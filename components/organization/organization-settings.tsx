"use client";

import { useCallback, useEffect, useState } from "react";
import { callApi } from "@/components/billing/api";
import { Alert, Card } from "@/components/ui";
import { InvitationList } from "./invitation-list";
import { InviteForm } from "./invite-form";
import { LeaveOrDelete } from "./leave-or-delete";
import { MemberRow } from "./member-row";
import { RenameForm } from "./rename-form";
import { orgPath, type MembersAnswer, type OrganizationViewer } from "./types";

/**
 * The selected organization's settings: its name, members and roles, invitations, leave and
 * delete. Members and invitations come from GET /api/orgs/{id}/members and are read again after
 * every change, so the page always shows the server's state.
 */
export function OrganizationSettings({ viewer }: { viewer: OrganizationViewer }) {
  const [data, setData] = useState<MembersAnswer | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const manages = viewer.role === "owner" || viewer.role === "admin";

  useEffect(() => {
    const controller = new AbortController();
    callApi<MembersAnswer>(orgPath(viewer.orgId, "members"), { signal: controller.signal })
      .then((result) => {
        if (result.ok) {
          setData(result.data);
          setLoadError(null);
        } else setLoadError(`The members could not be loaded: ${result.message}`);
      })
      .catch(() => {}); // aborted: unmounted or read again
    return () => controller.abort();
  }, [viewer.orgId, version]);

  return (
    <div className="space-y-8">
      {manages && (
        <Card className="space-y-4">
          <h2 className="text-lg font-semibold">Name</h2>
          <RenameForm orgId={viewer.orgId} name={viewer.orgName} />
        </Card>
      )}

      <section aria-labelledby="members-heading">
        <Card className="space-y-4">
          <h2 id="members-heading" className="text-lg font-semibold">
            Members
          </h2>
          {loadError && <Alert>{loadError}</Alert>}
          {!data && !loadError && (
            <p role="status" className="text-sm text-gray-600">
              Loading members…
            </p>
          )}
          {data && (
            <ul className="divide-y divide-gray-200 text-sm" aria-label="Members" data-testid="member-list">
              {data.members.map((member) => (
                // Keyed by role too: after a change the row starts from the server's answer.
                <MemberRow key={`${member.userId}:${member.role}`} member={member} viewer={viewer} onChanged={reload} />
              ))}
            </ul>
          )}
        </Card>
      </section>

      {manages && (
        <section aria-labelledby="invite-heading">
          <Card className="space-y-4">
            <h2 id="invite-heading" className="text-lg font-semibold">
              Invitations
            </h2>
            <InviteForm viewer={viewer} onInvited={reload} />
            <h3 className="text-sm font-medium text-gray-600">Pending</h3>
            {data && <InvitationList orgId={viewer.orgId} invitations={data.invitations} onChanged={reload} />}
          </Card>
        </section>
      )}

      <section aria-labelledby="leave-heading">
        <Card className="space-y-4">
          <h2 id="leave-heading" className="text-lg font-semibold">
            {viewer.role === "owner" ? "Leave or delete" : "Leave"}
          </h2>
          <p className="text-sm text-gray-600">
            An organization always keeps an owner: to leave as its last owner, make another member an owner first.
          </p>
          <LeaveOrDelete viewer={viewer} />
        </Card>
      </section>
    </div>
  );
}
