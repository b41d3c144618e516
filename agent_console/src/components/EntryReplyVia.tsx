import { label, useT } from "../i18n";
import type { InboxChoice } from "../types";

/** Channels the hub can write to a known resident on, besides recording the reply. */
const CHAT_KINDS = ["whatsapp", "telegram"];

interface Props {
  inboxes: InboxChoice[];
  /** A known resident's channels (their panel); null: a resident given by name and phone. */
  channels: string[] | null;
  /** The inbox replies go through; "" is the manual inbox (replies are only recorded). */
  value: string;
  onChange: (key: string) => void;
}

/** Where the replies to an offline entry go. */
export function EntryReplyVia({ inboxes, channels, value, onChange }: Props) {
  const t = useT();
  const e = t.desk.entry;
  if (channels) {
    const reachable = inboxes.filter((i) => CHAT_KINDS.includes(i.kind) && channels.includes(i.kind));
    const chosen = reachable.find((i) => i.key === value);
    return (
      <fieldset class="form-whatsapp">
        <label class="form-field">
          <span class="field-label">{e.replyVia}</span>
          <select class="input" data-testid="entry-reply-via" value={value} onChange={(ev) => onChange(ev.currentTarget.value)}>
            <option value="">{e.replyRecorded}</option>
            {reachable.map((i) => (
              <option key={i.key} value={i.key}>
                {label(t.inbox, i.kind)} · {i.name} · {i.opd.name}
              </option>
            ))}
          </select>
        </label>
        {chosen && <p class="field-hint">{chosen.kind === "telegram" ? e.telegramHint : e.whatsappKnownHint}</p>}
      </fieldset>
    );
  }
  const whatsapps = inboxes.filter((i) => i.kind === "whatsapp");
  return (
    <fieldset class="form-whatsapp">
      <label class="toggle toggle-plain">
        <input
          type="checkbox"
          data-testid="entry-whatsapp"
          checked={value !== ""}
          disabled={whatsapps.length === 0}
          onChange={(ev) => onChange(ev.currentTarget.checked ? whatsapps[0].key : "")}
        />
        <span>{e.whatsapp}</span>
      </label>
      {whatsapps.length === 0 && <p class="field-hint">{e.noWhatsapp}</p>}
      {value !== "" && (
        <>
          <p class="field-hint">{e.whatsappHint}</p>
          <label class="form-field">
            <span class="field-label">{e.whatsappInbox}</span>
            <select class="input" data-testid="entry-whatsapp-inbox" value={value} onChange={(ev) => onChange(ev.currentTarget.value)}>
              {whatsapps.map((i) => (
                <option key={i.key} value={i.key}>
                  {i.name} · {i.opd.name}
                </option>
              ))}
            </select>
          </label>
        </>
      )}
    </fieldset>
  );
}
