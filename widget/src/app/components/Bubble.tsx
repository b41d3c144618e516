import type { ComponentChildren } from "preact";
import { clock } from "../format";

interface Props {
  seq: number | null;
  direction: "in" | "out";
  status: string;
  statusLabel?: string;
  text: string;
  time: string;
  sender?: string | null;
  system?: boolean;
  children?: ComponentChildren;
}

/** One message; the text is always a text node, never HTML. */
export function Bubble({ seq, direction, status, statusLabel, text, time, sender, system, children }: Props) {
  const kind = system ? "system" : direction;
  return (
    <div
      class={`kw-message kw-message-${kind}`}
      data-testid="message"
      data-seq={seq === null ? "" : String(seq)}
      data-direction={direction}
      data-status={status}
    >
      {sender && <div class="kw-sender">{sender}</div>}
      <div class="kw-bubble">
        <span data-testid="message-text">{text}</span>
      </div>
      <div class="kw-meta">
        <time dateTime={time}>{clock(time)}</time>
        {statusLabel && <span class={`kw-status kw-status-${status}`}>{statusLabel}</span>}
        {children}
      </div>
    </div>
  );
}
