import { label, useT } from "../i18n";
import type { Conversation, Status } from "../types";

const ICONS: Record<string, string> = {
  widget: "M4 5h16v10H9l-5 4z",
  telegram: "M3 11.5 21 4l-3.5 16-6-4.5-2.5 3v-5l8-7-10 6z",
  whatsapp: "M12 3a9 9 0 0 0-7.7 13.6L3 21l4.5-1.2A9 9 0 1 0 12 3zm-3 5h2l1 2.5-1.2 1.2a6 6 0 0 0 2.5 2.5l1.2-1.2L16 14v2a1 1 0 0 1-1 1 8 8 0 0 1-7-7 1 1 0 0 1 1-2z",
  manual: "M6 3h9l4 4v14H6zm9 0v4h4",
};

export function InboxLabel({ inbox }: { inbox: Conversation["inbox"] }) {
  const t = useT();
  const kind = ICONS[inbox.kind] ? inbox.kind : "manual";
  const text = label(t.inbox, inbox.kind, inbox.kind);
  return (
    <span class={`inbox inbox-${kind}`} title={`${text} · ${inbox.name}`} data-inbox-kind={inbox.kind}>
      <svg class="inbox-icon" viewBox="0 0 24 24" aria-hidden="true">
        <path d={ICONS[kind]} />
      </svg>
      <span class="inbox-label">{text}</span>
    </span>
  );
}

export function StatusBadge({ status, testid }: { status: Status; testid?: string }) {
  const t = useT();
  return (
    <span class={`status status-${status}`} data-testid={testid} data-status={status}>
      {t.status[status]}
    </span>
  );
}
