// What surrounds a message's own content: the message it quotes, residents' reactions,
// and whether the place it shares is the case's location.
import { useState } from "preact/hooks";
import { label, useT } from "../i18n";
import type { Strings } from "../locales/id";
import { setCaseLocation } from "../thread";
import type { Message } from "../types";

/** Who wrote a message, as the thread names them. */
export function senderOf(m: Message, contact: string, t: Strings): string {
  return m.direction === "in" && m.sender_type === "contact" ? contact : m.sender_name || label(t.sender, m.sender_type, t.sender.agent);
}

/** A message in one line: its text's first line, else what it carries ("[Lokasi]"). */
function firstLine(m: Message, t: Strings): string {
  const line = m.text.split("\n").find((l) => l.trim());
  return line?.trim() || label(t.kind, m.kind, "…");
}

interface QuoteProps {
  /** The quoted message when the thread holds it, else null. */
  quoted: Message | null;
  contact: string;
  onShow: (seq: number) => void;
}

export function Quote({ quoted, contact, onShow }: QuoteProps) {
  const t = useT();
  if (!quoted) {
    return (
      <div class="quote quote-missing" data-testid="quoted">
        {t.thread.quotedEarlier}
      </div>
    );
  }
  return (
    <button
      type="button"
      class="quote"
      data-testid="quoted"
      data-quoted-seq={quoted.seq}
      title={t.thread.showQuoted}
      onClick={() => onShow(quoted.seq)}
    >
      <span class="quote-sender">{senderOf(quoted, contact, t)}</span>
      <span class="quote-text">{firstLine(quoted, t)}</span>
    </button>
  );
}

/** Residents' emoji, each once with how many gave it. */
export function Reactions({ reactions }: { reactions: Record<string, string> }) {
  const t = useT();
  const counts = new Map<string, number>();
  for (const emoji of Object.values(reactions)) counts.set(emoji, (counts.get(emoji) ?? 0) + 1);
  if (counts.size === 0) return null;
  return (
    <div class="reactions" data-testid="reactions" title={t.thread.reactions} aria-label={t.thread.reactions}>
      {Array.from(counts, ([emoji, n]) => (
        <span class="reaction" key={emoji}>
          {emoji}
          {n > 1 && <span class="reaction-count">{n}</span>}
        </span>
      ))}
    </div>
  );
}

/** On a location message: it is the case's location, or a way to make it so. */
export function LocationAction({ message, isCaseLocation }: { message: Message; isCaseLocation: boolean }) {
  const t = useT();
  const [busy, setBusy] = useState(false);
  if (isCaseLocation) {
    return (
      <span class="case-location-tag" data-testid="is-case-location">
        {t.thread.isCaseLocation}
      </span>
    );
  }

  async function pick(): Promise<void> {
    setBusy(true);
    await setCaseLocation(message.conversation_id, message.id);
    setBusy(false);
  }

  return (
    <span class="msg-actions">
      <button type="button" class="link" data-testid="set-location" disabled={busy} onClick={() => void pick()}>
        {t.thread.setLocation}
      </button>
    </span>
  );
}
