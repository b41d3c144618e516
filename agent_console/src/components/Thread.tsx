import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { dayKey, dayLabel } from "../format";
import { errorText, useT } from "../i18n";
import { contactName } from "../model";
import { navigate } from "../router";
import { nextChange } from "../sla";
import { useStore, type ThreadState } from "../store";
import { reloadThread } from "../thread";
import type { CaseLocation, Conversation, Message } from "../types";
import { mapUrl } from "./Attachments";
import { InboxLabel } from "./Badges";
import { CaseActions } from "./CaseActions";
import { CaseBadges } from "./CaseBadges";
import { CaseDetails } from "./CaseDetails";
import { Composer } from "./Composer";
import { Icon } from "./icons";
import { MessageBubble, OutgoingBubble, SystemLine } from "./MessageBubble";
import { PendingTransfer } from "./PendingTransfer";
import { useNow } from "./useNow";
import { useTransfers } from "./useTransfers";

// Within this many pixels of the bottom, new messages keep the view pinned to the bottom.
const STICK_PX = 80;
// How long a message reached from a quote stays marked.
const FLASH_MS = 1600;

export function Thread() {
  const t = useT();
  const thread = useStore((s) => s.thread);
  const conversation = useStore((s) => (s.openId === null ? undefined : s.conversations[s.openId]));
  const detailsOpen = useStore((s) => s.detailsOpen);
  const transfers = useTransfers(conversation);
  if (!thread) {
    return (
      <section class="thread thread-placeholder">
        <p>{t.thread.placeholder}</p>
      </section>
    );
  }
  return (
    <section class="thread" data-testid="thread" data-conversation-id={thread.id}>
      <ThreadHeader conversation={conversation} />
      {conversation && <PendingTransfer key={thread.id} conversation={conversation} transfers={transfers} />}
      <div class="thread-body">
        <div class="thread-main">
          <Messages thread={thread} conversation={conversation} />
          <TypingLine conversation={conversation} />
          <Notice />
          <Composer key={thread.id} id={thread.id} conversation={conversation} />
        </div>
        {conversation && detailsOpen && <CaseDetails key={thread.id} conversation={conversation} transfers={transfers} />}
      </div>
    </section>
  );
}

function ThreadHeader({ conversation: c }: { conversation: Conversation | undefined }) {
  const t = useT();
  const now = useNow(30000, c ? nextChange([c], Date.now()) : null);
  return (
    <header class="thread-head">
      <button type="button" class="btn btn-ghost back" onClick={() => navigate(null)} aria-label={t.thread.back}>
        ‹ <span class="back-label">{t.thread.back}</span>
      </button>
      <div class="thread-title">
        <h2 class="thread-contact">{c ? contactName(c, t.contactFallback) : "…"}</h2>
        {c && (
          <div class="thread-sub">
            <span class="tracking" title={t.thread.trackingCode}>
              <span class="tracking-label">{t.thread.trackingCode}</span>
              <code data-testid="tracking-code">{c.tracking_code}</code>
            </span>
            <span class="thread-opd">{c.opd.name}</span>
            <InboxLabel inbox={c.inbox} />
            {c.assignee && <span class="thread-assignee">{t.thread.assignee(c.assignee.name)}</span>}
            {c.location && <CaseLocationLink place={c.location} />}
          </div>
        )}
        {c && (
          <div class="thread-badges">
            <CaseBadges conversation={c} showAssignee={false} now={now} />
            <Presence />
          </div>
        )}
      </div>
      {/* Closed is final in the hub: it has no actions but the details. */}
      {c && <CaseActions conversation={c} />}
    </header>
  );
}

/** Colleagues on the same case: who has it open, who is typing in it (avoid answering twice). */
function Presence() {
  const t = useT();
  const c = t.desk.collision;
  const typing = useStore((s) => s.typing.agent);
  const viewers = useStore((s) => s.viewers);
  const watching = viewers.filter((name) => name !== typing);
  return (
    <span class="presence-line" aria-live="polite">
      {typing && (
        <span class="collision collision-typing" data-testid="agent-typing-indicator">
          {c.typing(typing)}
        </span>
      )}
      {watching.length > 0 && (
        <span class="collision" data-testid="agent-viewing-indicator">
          {c.viewing(watching.join(c.and))}
        </span>
      )}
    </span>
  );
}

/** Where the case is, on the map. */
function CaseLocationLink({ place }: { place: CaseLocation }) {
  const t = useT();
  const coordinates = `${place.latitude.toFixed(5)}, ${place.longitude.toFixed(5)}`;
  const name = [place.title, place.address].filter((s) => s?.trim()).join(", ") || coordinates;
  return (
    <a
      class="case-location"
      data-testid="case-location"
      data-message-id={place.message_id}
      href={mapUrl(place.latitude, place.longitude)}
      target="_blank"
      rel="noopener noreferrer"
      title={`${t.thread.caseLocation}: ${coordinates} — ${t.attachment.openMap}`}
    >
      <Icon name="pin" />
      <span class="case-location-label">{t.thread.caseLocation}:</span>
      <span class="case-location-name">{name}</span>
    </a>
  );
}

function Messages({ thread, conversation }: { thread: ThreadState; conversation: Conversation | undefined }) {
  const t = useT();
  const now = useNow(60000);
  const agentName = useStore((s) => s.agent?.name ?? t.sender.agent);
  const outgoing = useStore((s) => s.outgoing);
  const mine = outgoing.filter((o) => o.conversation_id === thread.id);
  const scroller = useRef<HTMLDivElement>(null);
  const content = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const sentCount = useRef(mine.length);
  const [unseen, setUnseen] = useState(false);
  const [flash, setFlash] = useState<number | null>(null);
  const count = thread.messages.length + mine.length;
  const byId = useMemo(() => new Map<number, Message>(thread.messages.map((m) => [m.id, m])), [thread.messages]);

  useEffect(() => {
    if (flash === null) return undefined;
    const timer = setTimeout(() => setFlash(null), FLASH_MS);
    return () => clearTimeout(timer);
  }, [flash]);

  // Our own new reply always brings the view down to it.
  if (mine.length > sentCount.current) stick.current = true;
  sentCount.current = mine.length;

  useLayoutEffect(() => {
    stick.current = true;
    setUnseen(false);
  }, [thread.id]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (stick.current) el.scrollTop = el.scrollHeight;
    else if (count > 0) setUnseen(true);
  }, [count, thread.id]);

  // Pinned to the bottom, the view stays there when the list grows without a new row (a
  // delivery error, a picture loading) or the pane shrinks (a notice, an attachment chip).
  useEffect(() => {
    const el = scroller.current;
    if (!el || !content.current || typeof ResizeObserver === "undefined") return undefined;
    const observer = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    observer.observe(content.current);
    return () => observer.disconnect();
  }, []);

  function onScroll(): void {
    const el = scroller.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    if (stick.current && unseen) setUnseen(false);
  }

  /** From a quote to the message it quotes. */
  function showMessage(seq: number): void {
    const row = scroller.current?.querySelector(`[data-testid=message][data-seq="${seq}"]`);
    if (!row) return;
    stick.current = false;
    row.scrollIntoView({ block: "center", behavior: "smooth" });
    setFlash(seq);
  }

  function toBottom(): void {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    stick.current = true;
    setUnseen(false);
  }

  const contact = conversation ? contactName(conversation, t.contactFallback) : t.contactFallback;
  const rows = [];
  let lastDay = -1;
  for (const m of thread.messages) {
    const day = dayKey(m.created_at);
    if (day !== lastDay) {
      rows.push(
        <div class="day" key={`day-${day}`}>
          <span>{dayLabel(m.created_at, now, t)}</span>
        </div>,
      );
      lastDay = day;
    }
    // The hub's own steps (disposisi, ratings) are a timeline, not a conversation.
    if (m.sender_type === "system" && m.private) {
      rows.push(<SystemLine key={`m-${m.seq}`} message={m} />);
      continue;
    }
    rows.push(
      <MessageBubble
        key={`m-${m.seq}`}
        message={m}
        contact={contact}
        quoted={m.reply_to_id ? (byId.get(m.reply_to_id) ?? null) : undefined}
        onShowQuoted={showMessage}
        caseLocationId={conversation?.location?.message_id ?? null}
        flash={flash === m.seq}
      />,
    );
  }
  for (const o of mine) rows.push(<OutgoingBubble key={`o-${o.client_id}`} item={o} sender={agentName} />);

  return (
    <div class="messages-wrap">
      <div class="messages" ref={scroller} onScroll={onScroll} role="log" aria-live="polite">
        <div ref={content}>
          {thread.loading && count === 0 && <p class="thread-note">{t.thread.loading}</p>}
          {!thread.loading && !thread.error && count === 0 && <p class="thread-note">{t.thread.empty}</p>}
          {thread.error && (
            <div class="thread-note thread-error" role="alert" data-testid="thread-error" data-code={thread.error.code}>
              <p>
                {t.thread.loadError} {errorText(t, thread.error)}
              </p>
              <button type="button" class="btn btn-small" onClick={reloadThread}>
                {t.thread.retry}
              </button>
            </div>
          )}
          {rows}
        </div>
      </div>
      {unseen && (
        <button type="button" class="btn btn-small jump" onClick={toBottom}>
          {t.thread.newMessages}
        </button>
      )}
    </div>
  );
}

function TypingLine({ conversation }: { conversation: Conversation | undefined }) {
  const t = useT();
  const typing = useStore((s) => s.typing);
  const contact = conversation ? contactName(conversation, t.contactFallback) : t.contactFallback;
  return (
    <div class="typing-line" aria-live="polite">
      {typing.contact && (
        <span class="typing" data-testid="typing-indicator">
          <span class="dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {t.thread.typing(contact)}
        </span>
      )}
    </div>
  );
}

function Notice() {
  const t = useT();
  const notice = useStore((s) => s.notice);
  if (!notice) return null;
  return (
    <div class="notice" role="alert" data-testid="notice">
      {errorText(t, notice)}
    </div>
  );
}
