import { useEffect, useState } from "preact/hooks";
import { errorBody } from "../api";
import { getContact, mergeContact, type ContactProfile, type SearchHit } from "../contacts";
import { fullDateTime, relativeTime } from "../format";
import { errorText, label, useT } from "../i18n";
import { navigate } from "../router";
import { useStore } from "../store";
import type { ErrorBody } from "../types";
import { StatusBadge } from "./Badges";
import { Dialog, FormError } from "./Dialog";
import { EntryForm } from "./EntryForm";
import { SearchInput, SearchResults, useSearch } from "./SearchBox";
import { useNow } from "./useNow";

/** The resident: who they are and every case of theirs the agent may see. */
export function ContactPanel({ contactId, onClose }: { contactId: number; onClose: () => void }) {
  const t = useT();
  const p = t.contactPanel;
  const isCoordinator = useStore((s) => s.agent?.role === "admin");
  const [shownId, setShownId] = useState(contactId);
  const [profile, setProfile] = useState<ContactProfile | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [merging, setMerging] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [recording, setRecording] = useState(false);
  const now = useNow();

  useEffect(() => {
    let live = true;
    setProfile(null);
    setError(null);
    getContact(shownId).then(
      (found) => live && setProfile(found),
      (err) => live && setError(errorBody(err)),
    );
    return () => {
      live = false;
    };
  }, [shownId]);

  const person = profile?.contact;
  // A resident who reported in confidence is not named on a new case (the hub refuses it).
  const hidden = profile?.cases.some((c) => c.contact.id === null) ?? true;
  if (recording && person) {
    return <EntryForm contact={person} onClose={() => setRecording(false)} onDone={onClose} />;
  }
  return (
    <Dialog title={p.title} testid="contact-panel" onClose={onClose} wide>
      {notice && (
        <p class="field-hint contact-notice" role="status" data-testid="contact-merge-done">
          {notice}
        </p>
      )}
      {!profile && !error && <p class="field-hint">{p.loading}</p>}
      {error && <FormError testid="contact-error" code={error.code} text={errorText(t, error)} />}
      {person && profile && (
        <div class="contact-panel" data-contact-id={person.id}>
          <dl class="contact-facts">
            <dt>{p.name}</dt>
            <dd data-testid="contact-name">{person.name ?? (person.phone || person.email ? t.contactFallback : p.hidden)}</dd>
            <dt>{p.phone}</dt>
            <dd data-testid="contact-phone">{person.phone ?? "—"}</dd>
            <dt>{p.email}</dt>
            <dd data-testid="contact-email">{person.email ?? "—"}</dd>
            <dt>{p.channels}</dt>
            <dd data-testid="contact-channels">{person.channels.length ? person.channels.map((ch) => label(t.inbox, ch, ch)).join(", ") : "—"}</dd>
            <dt>{p.id}</dt>
            <dd>#{person.id}</dd>
          </dl>
          <h4>{p.cases(profile.cases.length)}</h4>
          <ul class="contact-cases">
            {profile.cases.map((c) => {
              const when = c.last_message_at ?? c.created_at;
              return (
                <li key={c.id}>
                  <button
                    type="button"
                    class="contact-case"
                    data-testid="contact-case"
                    data-conversation-id={c.id}
                    data-tracking-code={c.tracking_code}
                    onClick={() => {
                      navigate(c.id);
                      onClose();
                    }}
                  >
                    <span class="search-code">{c.tracking_code}</span>
                    <StatusBadge status={c.status} />
                    <span class="conv-opd" title={c.opd.name}>
                      {c.opd.name}
                    </span>
                    <time class="conv-time" dateTime={when} title={fullDateTime(when, t)}>
                      {relativeTime(when, now, t)}
                    </time>
                  </button>
                </li>
              );
            })}
          </ul>
          <div class="contact-actions">
            {!hidden && (
              <button type="button" class="btn btn-small btn-primary" data-testid="contact-record" title={p.recordTitle} onClick={() => setRecording(true)}>
                {p.record}
              </button>
            )}
            {isCoordinator && !merging && (
              <button type="button" class="btn btn-small" data-testid="contact-merge" onClick={() => setMerging(true)}>
                {p.merge}
              </button>
            )}
          </div>
          {isCoordinator && merging && (
            <MergeForm
              contactId={person.id}
              onCancel={() => setMerging(false)}
              onMerged={(into, moved) => {
                setMerging(false);
                setNotice(p.merged(moved));
                setShownId(into);
              }}
            />
          )}
        </div>
      )}
    </Dialog>
  );
}

function MergeForm({ contactId, onCancel, onMerged }: { contactId: number; onCancel: () => void; onMerged: (into: number, moved: number) => void }) {
  const t = useT();
  const p = t.contactPanel;
  const [into, setInto] = useState("");
  const [query, setQuery] = useState("");
  const search = useSearch(query);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const target = Number.parseInt(into, 10);
  const valid = Number.isInteger(target) && target > 0 && String(target) === into.trim();

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (!valid) return setError({ code: "bad_request", message: "" });
    if (target === contactId) return setError({ code: "self", message: "" });
    if (!window.confirm(p.mergeConfirm(contactId, target))) return;
    setBusy(true);
    setError(null);
    try {
      const result = await mergeContact(contactId, target);
      onMerged(result.contact_id, result.cases_moved);
    } catch (err) {
      setError(errorBody(err));
    } finally {
      setBusy(false);
    }
  }

  function pick(hit: SearchHit): void {
    const id = hit.conversation.contact.id;
    if (id !== null) setInto(String(id));
  }

  const errorMessage = error ? label(p.mergeErrors, error.code, errorText(t, error)) : "";
  return (
    <form class="contact-merge-form" data-testid="contact-merge-form" onSubmit={(e) => void submit(e)}>
      <h4>{p.merge}</h4>
      <p class="field-hint">{p.mergeHint}</p>
      <label class="form-field">
        <span class="field-label">{p.mergeInto}</span>
        <input
          class="input"
          inputMode="numeric"
          data-testid="contact-merge-into"
          value={into}
          onInput={(e) => setInto(e.currentTarget.value)}
        />
      </label>
      <div class="form-field">
        <span class="field-label">{p.mergeSearch}</span>
        <SearchInput value={query} onChange={setQuery} testid="contact-merge-search" />
        {search.query.trim().length >= 2 && <SearchResults search={search} onPick={pick} testid="contact-merge-result" />}
      </div>
      <FormError testid="contact-merge-error" code={error?.code} text={errorMessage} />
      <div class="form-actions">
        <button type="button" class="btn btn-small" onClick={onCancel}>
          {p.cancel}
        </button>
        <button type="submit" class="btn btn-small btn-primary" data-testid="contact-merge-submit" disabled={busy || !into.trim()}>
          {busy ? p.merging : p.mergeSubmit}
        </button>
      </div>
    </form>
  );
}
