import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { clockTime, fullDateTime } from "../format";
import { errorText, label, useT } from "../i18n";
import { discardOutgoing, resendFailed, retryOutgoing } from "../thread";
import type { Attachment, DeliveryStatus, Message, Outgoing } from "../types";
import { Attachments, shapeOf, shownAttachments } from "./Attachments";
import { LocationAction, Quote, Reactions, senderOf } from "./MessageContext";

interface BubbleProps {
  seq?: number;
  clientId?: string;
  direction: "in" | "out";
  isPrivate: boolean;
  system: boolean;
  status: DeliveryStatus;
  sender: string;
  text: string;
  attachments: Attachment[];
  createdAt: string;
  /** The approved template it was sent as. */
  template?: string;
  /** Above the text: the message it quotes. */
  quote?: ComponentChildren;
  reactions?: Record<string, string>;
  /** Briefly marked: the reader came here from a quote. */
  flash?: boolean;
  messageId?: number;
  children?: ComponentChildren;
}

function Bubble(p: BubbleProps) {
  const t = useT();
  const classes = ["msg", `msg-${p.direction}`];
  if (p.isPrivate) classes.push("msg-note");
  if (p.system) classes.push("msg-system");
  if (p.flash) classes.push("msg-flash");
  return (
    <div
      class={classes.join(" ")}
      data-testid="message"
      data-message-id={p.messageId}
      data-seq={p.seq}
      data-client-id={p.clientId}
      data-direction={p.direction}
      data-private={String(p.isPrivate)}
      data-status={p.status}
    >
      <div class="bubble">
        <div class="msg-head">
          <span class="msg-sender">{p.sender}</span>
          {p.isPrivate && <span class="note-label">{t.thread.privateNote}</span>}
          {p.template && (
            <span class="template-label" data-testid="template-label">
              {t.thread.template(p.template)}
            </span>
          )}
        </div>
        {p.quote}
        {p.attachments.length > 0 && <Attachments items={p.attachments} />}
        {/* Text node only: whatever the resident typed, markup included, is shown as typed. */}
        {p.text && (
          <p class="msg-text" data-testid="message-text">
            {p.text}
          </p>
        )}
        <div class="msg-foot">
          <time dateTime={p.createdAt} title={fullDateTime(p.createdAt, t)}>
            {clockTime(p.createdAt, t)}
          </time>
          {p.children}
        </div>
        {p.reactions && <Reactions reactions={p.reactions} />}
      </div>
    </div>
  );
}

interface MessageProps {
  message: Message;
  contact: string;
  /** The message it quotes: null when that one is not in the loaded thread. */
  quoted?: Message | null;
  onShowQuoted?: (seq: number) => void;
  /** The message whose place is the case's location, if any. */
  caseLocationId?: number | null;
  flash?: boolean;
}

export function MessageBubble({ message: m, contact, quoted, onShowQuoted, caseLocationId, flash }: MessageProps) {
  const t = useT();
  const sender = senderOf(m, contact, t);
  const showDelivery = m.direction === "out" && !m.private && m.sender_type !== "system";
  const all = m.attachments ?? [];
  const attachments = shownAttachments(all);
  const template = all.find((a) => a.kind === "template")?.name;
  const place = attachments.some((a) => shapeOf(a) === "location");
  const quote = m.reply_to_id ? (
    <Quote quoted={quoted ?? null} contact={contact} onShow={onShowQuoted ?? (() => undefined)} />
  ) : null;
  return (
    <Bubble
      messageId={m.id}
      seq={m.seq}
      clientId={m.client_id ?? undefined}
      direction={m.direction}
      isPrivate={m.private}
      system={m.sender_type === "system"}
      status={m.delivery_status}
      sender={sender}
      text={m.text || (attachments.length ? "" : label(t.kind, m.kind, ""))}
      attachments={attachments}
      createdAt={m.created_at}
      template={template}
      quote={quote}
      reactions={m.reactions}
      flash={flash}
    >
      {place && <LocationAction message={m} isCaseLocation={caseLocationId === m.id} />}
      {m.edited_at && (
        <span class="edited" data-testid="edited" title={m.edited_at}>
          {t.edited}
        </span>
      )}
      {showDelivery && (
        <span class={`delivery delivery-${m.delivery_status}`} data-testid="delivery-status">
          {t.delivery[m.delivery_status]}
        </span>
      )}
      {showDelivery && m.delivery_status === "failed" && m.error && (
        <span class="delivery-error" data-testid="delivery-error">
          {m.error}
        </span>
      )}
      {showDelivery && m.delivery_status === "failed" && m.sender_type === "agent" && <ResendButton message={m} />}
    </Bubble>
  );
}

/** A stored reply the channel could not deliver goes back to the outbox; the live feed shows how it fares. */
function ResendButton({ message }: { message: Message }) {
  const t = useT();
  const [busy, setBusy] = useState(false);

  async function resend(): Promise<void> {
    setBusy(true);
    await resendFailed(message);
    setBusy(false);
  }

  return (
    <span class="msg-actions">
      <button type="button" class="link" data-testid="retry-button" disabled={busy} onClick={() => void resend()}>
        {busy ? t.delivery.resending : t.delivery.retry}
      </button>
    </span>
  );
}

/** A reply on its way to the hub, or one the hub refused (with retry). */
export function OutgoingBubble({ item, sender }: { item: Outgoing; sender: string }) {
  const t = useT();
  const failed = item.state === "failed";
  return (
    <Bubble
      clientId={item.client_id}
      direction="out"
      isPrivate={item.private}
      system={false}
      status={failed ? "failed" : "pending"}
      sender={sender}
      text={item.text}
      attachments={item.media ? [item.media] : []}
      createdAt={item.created_at}
      template={item.template?.name}
    >
      <span class={failed ? "delivery delivery-failed" : "delivery delivery-pending"} data-testid="delivery-status">
        {failed ? t.delivery.failed : t.delivery.sending}
      </span>
      {failed && (
        <span class="delivery-error" data-testid="delivery-error">
          {errorText(t, item.error)}
        </span>
      )}
      {failed && (
        <span class="msg-actions">
          {/* Sent again it would be refused again: the composer offers templates instead. */}
          {item.error?.code !== "window_closed" && (
            <button type="button" class="link" onClick={() => retryOutgoing(item.client_id)}>
              {t.delivery.retry}
            </button>
          )}
          <button type="button" class="link" onClick={() => discardOutgoing(item.client_id)}>
            {t.delivery.discard}
          </button>
        </span>
      )}
    </Bubble>
  );
}

/** A step the hub recorded in the case (a disposisi, its answer, a rating): one line of the timeline. */
export function SystemLine({ message: m }: { message: Message }) {
  const t = useT();
  return (
    <div class="timeline-line" data-testid="system-note" data-message-id={m.id} data-seq={m.seq}>
      <span class="timeline-dot" aria-hidden="true" />
      <span class="timeline-text">{m.text}</span>
      {m.sender_name && <span class="timeline-who">· {m.sender_name}</span>}
      <time dateTime={m.created_at} title={fullDateTime(m.created_at, t)}>
        {clockTime(m.created_at, t)}
      </time>
    </div>
  );
}
