import type { VNode } from "preact";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { Config } from "../config";
import { dayKey, dayLabel } from "../format";
import type { Strings } from "../i18n";
import type { AckError, Conversation, Message, Outgoing } from "../types";
import { Bubble } from "./Bubble";
import { Rating } from "./Rating";

interface Props {
  t: Strings;
  config: Config;
  open: boolean;
  conversation: Conversation | null;
  messages: Message[];
  outgoing: Outgoing[];
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
  onRate: (score: number, comment: string) => Promise<AckError | null>;
}

const NEAR_BOTTOM = 80;

export function MessageList(props: Props) {
  const { t, config, open, conversation, messages, outgoing, onRetry, onDiscard, onRate } = props;
  const log = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const sent = useRef(outgoing.length);

  const toEnd = () => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  // Follow new messages unless the resident scrolled up to read; always after their own send.
  useLayoutEffect(() => {
    if (stick.current || outgoing.length > sent.current) toEnd();
    sent.current = outgoing.length;
  }, [messages, outgoing, open]);

  // The frame grows after opening, and a phone keyboard shrinks it: stay at the end.
  useEffect(() => {
    const onResize = () => stick.current && toEnd();
    addEventListener("resize", onResize);
    return () => removeEventListener("resize", onResize);
  }, []);

  const onScroll = () => {
    const el = log.current;
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM;
  };

  const items: VNode[] = [];
  let day = "";
  let conversationId = 0;
  let lastSender: string | null = null;
  const dateLine = (iso: string) => {
    if (dayKey(iso) === day) return;
    day = dayKey(iso);
    items.push(<div key={`day-${day}`} class="kw-divider">{dayLabel(iso, t.dateLocale, t.today)}</div>);
  };

  for (const m of messages) {
    if (conversationId && m.conversation_id !== conversationId) {
      items.push(<div key={`case-${m.conversation_id}`} class="kw-divider kw-divider-case">{t.newCase}</div>);
    }
    conversationId = m.conversation_id;
    dateLine(m.created_at);
    const sender = m.direction === "out" && m.sender_type !== "system" ? m.sender_name || t.officer : null;
    items.push(
      <Bubble
        key={`m-${m.conversation_id}-${m.seq}`}
        seq={m.seq}
        direction={m.direction}
        status={m.delivery_status}
        statusLabel={m.direction === "in" ? t.status[m.delivery_status] : undefined}
        text={m.text || (m.attachments?.some((a) => a.url) ? "" : t.attachment[m.kind])}
        files={m.attachments}
        time={m.created_at}
        sender={sender !== lastSender ? sender : null}
        system={m.sender_type === "system"}
      />,
    );
    lastSender = sender;
  }

  if (conversation && (conversation.status === "resolved" || conversation.status === "closed")) {
    items.push(<p key="resolved" class="kw-resolved" data-testid="resolved-notice">{t.resolved}</p>);
    if (conversation.status === "resolved" || conversation.csat) {
      items.push(<Rating key={`rating-${conversation.id}`} t={t} conversation={conversation} onRate={onRate} />);
    }
  }

  for (const o of outgoing) {
    dateLine(o.created_at);
    items.push(
      <Bubble
        key={`o-${o.client_id}`}
        seq={null}
        direction="in"
        status={o.status}
        statusLabel={t.status[o.status]}
        text={o.text}
        time={o.created_at}
      >
        {o.status === "failed" && (
          <>
            <button type="button" class="kw-action" onClick={() => onRetry(o.client_id)}>
              {t.retry}
            </button>
            <button type="button" class="kw-action" onClick={() => onDiscard(o.client_id)}>
              {t.discard}
            </button>
          </>
        )}
      </Bubble>,
    );
  }

  return (
    <div class="kw-log" ref={log} onScroll={onScroll} role="log" aria-live="polite" aria-label={t.logLabel}>
      <p class="kw-greeting">{t.greeting(config.opdName)}</p>
      {items}
    </div>
  );
}
