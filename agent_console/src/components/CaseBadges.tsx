import { label, useT } from "../i18n";
import type { Conversation } from "../types";
import { DeadlineBadge } from "./Deadlines";

/**
 * What an agent scans a case for: a deadline near or missed (given `now`), triage, disposisi
 * waiting, priority, who has it, where it came from, protection, labels.
 */
export function CaseBadges({ conversation: c, showAssignee = true, now }: { conversation: Conversation; showAssignee?: boolean; now?: number }) {
  const t = useT();
  const d = t.desk;
  const priority = c.priority && c.priority !== "normal" ? c.priority : null;
  return (
    <span class="case-badges">
      {now !== undefined && <DeadlineBadge conversation={c} now={now} />}
      {c.triage && (
        <span class="badge badge-triage" data-testid="triage-badge">
          {d.badges.triage}
        </span>
      )}
      {c.pending_transfer_id != null && (
        <span class="badge badge-pending" data-testid="pending-badge">
          {d.badges.pending}
        </span>
      )}
      {priority && (
        <span class={`badge badge-priority badge-${priority}`} data-testid="priority-badge" data-priority={priority}>
          {label(d.priority, priority)}
        </span>
      )}
      {showAssignee && c.assignee && (
        <span class="badge badge-assignee" data-testid="assignee-badge" data-agent-id={c.assignee.id}>
          {d.badges.assignee(c.assignee.name)}
        </span>
      )}
      {c.source && (
        <span class="badge badge-source" data-testid="source-badge" data-source={c.source}>
          {label(d.source, c.source)}
        </span>
      )}
      {c.rahasia && (
        <span class="badge badge-flag" data-testid="rahasia-badge">
          {d.badges.rahasia}
        </span>
      )}
      {c.anonim && (
        <span class="badge badge-flag" data-testid="anonim-badge">
          {d.badges.anonim}
        </span>
      )}
      {(c.labels ?? []).map((name) => (
        <span class="badge badge-label" key={name} data-testid="label-badge">
          {name}
        </span>
      ))}
    </span>
  );
}
