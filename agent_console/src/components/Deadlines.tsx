import { useT } from "../i18n";
import { deadlines, dueTime, nextChange, pressingDeadline } from "../sla";
import type { Conversation } from "../types";
import { useNow } from "./useNow";

/** "Segera" (amber) or "Lewat tenggat" (red) for the deadline an open case still has to meet. */
export function DeadlineBadge({ conversation, now }: { conversation: Conversation; now: number }) {
  const t = useT();
  const pressing = pressingDeadline(conversation, now);
  if (!pressing || pressing.level === "ok") return null;
  const { deadline, level } = pressing;
  return (
    <span
      class={`badge badge-sla badge-sla-${level}`}
      data-testid="sla-badge"
      data-level={level}
      data-kind={deadline.kind}
      title={t.sla.due[deadline.kind](dueTime(deadline.dueAt, now, t))}
    >
      {t.sla.badge[level]}
    </span>
  );
}

/** Both deadlines of a case: when each is due, and how it stands or ended. */
export function DeadlineList({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const now = useNow(30000, nextChange([c], Date.now()));
  const items = deadlines(c, now);
  return (
    <div class="form-field sla-due" data-testid="sla-due">
      <span class="field-label">{t.sla.heading}</span>
      {items.length === 0 && <span class="field-hint">{t.sla.computing}</span>}
      {items.length > 0 && (
        <ul class="sla-list">
          {items.map(({ deadline, outcome, doneAt }) => (
            <li key={deadline.kind} class={`sla-item sla-${outcome}`} data-testid={`sla-due-${deadline.kind}`} data-state={outcome}>
              <time dateTime={deadline.dueAt}>{t.sla.due[deadline.kind](dueTime(deadline.dueAt, now, t))}</time>
              {(t.sla.outcome[outcome] || doneAt) && (
                <span class="sla-state" data-testid="sla-state">
                  {[t.sla.outcome[outcome], doneAt && t.sla.done[deadline.kind](dueTime(doneAt, now, t))].filter(Boolean).join(" · ")}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
