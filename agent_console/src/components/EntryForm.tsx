import { useEffect, useState } from "preact/hooks";
import { errorBody } from "../api";
import { loadCatalog } from "../catalog";
import { applyConversation } from "../conversations";
import * as deskApi from "../deskApi";
import { errorText, label, useT } from "../i18n";
import { newClientId } from "../model";
import { navigate } from "../router";
import { useStore } from "../store";
import type { ErrorBody, Source } from "../types";
import { AreaPicker } from "./AreaPicker";
import { Dialog, FormError } from "./Dialog";
import { EntryReplyVia } from "./EntryReplyVia";

const SOURCES: Source[] = ["phone", "walk_in", "letter", "media"];

/** A resident the hub knows (from their panel): the entry is theirs, replies may go to their chats. */
export interface EntryContact {
  id: number;
  name: string | null;
  phone: string | null;
  channels: string[];
}

interface Props {
  onClose: () => void;
  /** The form led to a case (the new one, or the resident's open one); default: onClose. */
  onDone?: () => void;
  contact?: EntryContact;
}

/** A complaint received by phone, in person, by letter or in the media, recorded as a case. */
export function EntryForm({ onClose, onDone = onClose, contact }: Props) {
  const t = useT();
  const e = t.desk.entry;
  const agent = useStore((s) => s.agent);
  const catalog = useStore((s) => s.catalog);
  const isCoordinator = agent?.role === "admin";
  const [source, setSource] = useState<Source>("phone");
  const [name, setName] = useState("");
  const [phone, setPhone] = useState("");
  const [text, setText] = useState("");
  const [category, setCategory] = useState("");
  const [kelurahan, setKelurahan] = useState<string | null>(null);
  const [opd, setOpd] = useState(isCoordinator ? "" : (agent?.opd?.slug ?? ""));
  const [inbox, setInbox] = useState(""); // "": the manual inbox
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  // One key per form: pressing save again after a lost answer records the complaint once.
  const [clientId] = useState(newClientId);

  useEffect(() => {
    void loadCatalog(true);
  }, []);

  const categories = (catalog.categories ?? []).filter((c) => c.active);

  function check(): string | null {
    if (!text.trim()) return e.needText;
    if (isCoordinator && !opd) return e.needOpd;
    if (!contact && inbox && !phone.trim()) return e.needPhone;
    return null;
  }

  function openCase(id: number): void {
    onDone();
    navigate(id);
  }

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    const problem = check();
    if (problem) {
      setError({ code: "form", message: problem });
      return;
    }
    setBusy(true);
    setError(null);
    const entry: deskApi.Entry = {
      source,
      text: text.trim(),
      client_id: clientId,
      name: contact ? undefined : name.trim() || undefined,
      phone: contact ? undefined : phone.trim() || undefined,
      contact: contact?.id,
      opd: isCoordinator ? opd : undefined,
      category: category || undefined,
      kelurahan: kelurahan ?? undefined,
      inbox: inbox || undefined,
    };
    try {
      const done = await deskApi.createEntry(entry);
      applyConversation(done.conversation);
      openCase(done.conversation.id);
    } catch (err) {
      setError(errorBody(err));
      setBusy(false);
    }
  }

  const openId = error?.conversation_id; // the resident's case still open in that inbox
  function errorMessage(found: ErrorBody): string {
    if (found.code === "form") return found.message;
    if (found.tracking_code) return e.conflict(found.tracking_code);
    return label(e.errors, found.code, errorText(t, found));
  }

  return (
    <Dialog title={e.title} testid="entry-form" onClose={onClose} wide>
      <form class="form" onSubmit={(ev) => void submit(ev)} noValidate>
        <p class="form-intro">{e.subtitle}</p>
        <div class="form-row">
          <label class="form-field">
            <span class="field-label">{e.source}</span>
            <select class="input" autoFocus data-testid="entry-source" value={source} onChange={(ev) => setSource(ev.currentTarget.value as Source)}>
              {SOURCES.map((s) => (
                <option key={s} value={s}>
                  {label(t.desk.source, s)}
                </option>
              ))}
            </select>
          </label>
          {isCoordinator ? (
            <label class="form-field">
              <span class="field-label">{e.opd}</span>
              <select class="input" data-testid="entry-opd" value={opd} onChange={(ev) => setOpd(ev.currentTarget.value)}>
                <option value="">{t.desk.transfer.choose}</option>
                {(catalog.opds ?? []).map((o) => (
                  <option key={o.slug} value={o.slug}>
                    {o.name}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <div class="form-field">
              <span class="field-label">{e.opd}</span>
              <span class="form-static">{agent?.opd?.name ?? e.ownOpd}</span>
            </div>
          )}
        </div>
        {contact ? (
          <div class="form-field">
            <span class="field-label">{e.reporter}</span>
            <span class="form-static" data-testid="entry-contact" data-contact-id={contact.id}>
              {[contact.name ?? t.contactFallback, contact.phone, `#${contact.id}`].filter(Boolean).join(" · ")}
            </span>
          </div>
        ) : (
          <div class="form-row">
            <label class="form-field">
              <span class="field-label">{e.name}</span>
              <input class="input" data-testid="entry-name" value={name} autocomplete="off" onInput={(ev) => setName(ev.currentTarget.value)} />
            </label>
            <label class="form-field">
              <span class="field-label">{e.phone}</span>
              <input
                class="input"
                type="tel"
                data-testid="entry-phone"
                placeholder={e.phoneHint}
                value={phone}
                autocomplete="off"
                onInput={(ev) => setPhone(ev.currentTarget.value)}
              />
            </label>
          </div>
        )}
        <label class="form-field">
          <span class="field-label">{e.text}</span>
          <textarea class="input" rows={4} data-testid="entry-text" value={text} onInput={(ev) => setText(ev.currentTarget.value)} />
        </label>
        <div class="form-row">
          <label class="form-field">
            <span class="field-label">{t.desk.details.category}</span>
            <select class="input" data-testid="entry-category" value={category} onChange={(ev) => setCategory(ev.currentTarget.value)}>
              <option value="">{t.desk.details.noCategory}</option>
              {categories.map((c) => (
                <option key={c.id} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <div class="form-field">
            <span class="field-label">{t.desk.details.kelurahan}</span>
            <AreaPicker areas={catalog.areas} value={kelurahan} onChange={setKelurahan} testid="entry-kelurahan" />
          </div>
        </div>
        <EntryReplyVia inboxes={catalog.inboxes ?? []} channels={contact?.channels ?? null} value={inbox} onChange={setInbox} />
        <FormError testid="entry-error" code={error?.code} text={error ? errorMessage(error) : ""} />
        {openId !== undefined && (
          <button type="button" class="btn btn-small" data-testid="entry-open-case" onClick={() => openCase(openId)}>
            {e.openCase(error?.tracking_code ?? "")}
          </button>
        )}
        <div class="form-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t.desk.actions.cancel}
          </button>
          <button type="submit" class="btn btn-primary" data-testid="entry-submit" disabled={busy}>
            {busy ? e.submitting : e.submit}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
