import type { ComponentChildren } from "preact";
import { clock } from "../format";
import type { Attachment } from "../types";

interface Props {
  seq: number | null;
  direction: "in" | "out";
  status: string;
  statusLabel?: string;
  text: string;
  time: string;
  sender?: string | null;
  system?: boolean;
  files?: Attachment[];
  children?: ComponentChildren;
}

/** One message; the text is always a text node, never HTML. */
export function Bubble({ seq, direction, status, statusLabel, text, time, sender, system, files, children }: Props) {
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
        {(files ?? []).filter((f) => f.url).map((f) => <File key={f.url} file={f} />)}
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

/** A file the hub keeps for the resident: a photo shown small, anything else a link. */
function File({ file }: { file: Attachment }) {
  const name = file.file_name || "";
  if (file.mime_type?.startsWith("image/")) {
    return (
      <a href={file.url} target="_blank" rel="noopener" class="kw-photo-link">
        <img src={file.url} alt={name} loading="lazy" class="kw-photo" data-testid="message-photo" />
      </a>
    );
  }
  return (
    <a href={file.url} target="_blank" rel="noopener" class="kw-file" data-testid="message-file">
      {name || "berkas"}
    </a>
  );
}
