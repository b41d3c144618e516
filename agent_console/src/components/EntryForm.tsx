import { useEffect, useMemo, useState } from "preact/hooks";
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

const SOURCES: Source[] = ["phone", "walk_in", "letter", "media"];

/** A complaint received by phone, in person, by letter or in the media, recorded as a case. */
export function EntryForm({ onClose }: { onClose: () => void }) {
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
  const [viaWhatsapp, setViaWhatsapp] = useState(false);
  const [inbox, setInbox] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  // One key per form: pressing save again after a lost answer records the complaint once.
  const [clientId] = useState(newClientId);

  useEffect(() => {
    void loadCatalog(true);
  }, []);

  const whatsapps = useMemo(() => (catalog.inboxes ?? []).filter((i) => i.kind === "whatsapp"), [catalog.inboxes]);
  const categories = (catalog.categories ?? []).filter((c) => c.active);
  const chosenInbox = inbox || whatsapps[0]?.key || "";

  function check(): string | null {
    if (!text.trim()) return e.needText;
    if (isCoordinator && !opd) return e.needOpd;
    if (viaWhatsapp && !phone.trim()) return e.needPhone;
    return null;
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
      name: name.trim() || undefined,
      phone: phone.trim() || undefined,
      opd: isCoordinator ? opd : undefined,
      category: category || undefined,
      kelurahan: kelurahan ?? undefined,
      inbox: viaWhatsapp && chosenInbox ? chosenInbox : undefined,
    };
    try {
      const done = await deskApi.createEntry(entry);
      applyConversation(done.conversation);
      onClose();
      navigate(done.conversation.id);
    } catch (err) {
      setError(errorBody(err));
      setBusy(false);
    }
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
        <fieldset class="form-whatsapp">
          <label class="toggle toggle-plain">
            <input
              type="checkbox"
              data-testid="entry-whatsapp"
              checked={viaWhatsapp}
              disabled={whatsapps.length === 0}
              onChange={(ev) => setViaWhatsapp(ev.currentTarget.checked)}
            />
            <span>{e.whatsapp}</span>
          </label>
          {whatsapps.length === 0 && <p class="field-hint">{e.noWhatsapp}</p>}
          {viaWhatsapp && (
            <>
              <p class="field-hint">{e.whatsappHint}</p>
              <label class="form-field">
                <span class="field-label">{e.whatsappInbox}</span>
                <select class="input" data-testid="entry-whatsapp-inbox" value={chosenInbox} onChange={(ev) => setInbox(ev.currentTarget.value)}>
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
        <FormError
          testid="entry-error"
          code={error?.code}
          text={error ? (error.code === "form" ? error.message : errorText(t, error)) : ""}
        />
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
