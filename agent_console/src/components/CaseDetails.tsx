import { useState } from "preact/hooks";
import { opdName } from "../catalog";
import { errorBody } from "../api";
import { saveDetails } from "../desk";
import { revokeVisitor, type Details } from "../deskApi";
import { fullDateTime } from "../format";
import { label, useT } from "../i18n";
import { setState, useStore } from "../store";
import type { Conversation, ErrorBody, Priority } from "../types";
import { AreaPicker } from "./AreaPicker";
import { ContactPanel } from "./ContactPanel";
import { DeadlineList } from "./Deadlines";
import { FormError } from "./Dialog";
import { Icon } from "./icons";
import { deskErrorText, type Transfers } from "./useTransfers";

const PRIORITIES: Priority[] = ["low", "normal", "high", "urgent"];
const MAX_LABELS = 10;
const MAX_LABEL = 40;

export function toggleDetails(open?: boolean): void {
  setState((s) => ({ detailsOpen: open ?? !s.detailsOpen }));
}

/** Priority, labels, category, kelurahan and reporter protection; each change is saved at once. */
export function CaseDetails({ conversation: c, transfers }: { conversation: Conversation; transfers: Transfers }) {
  const t = useT();
  const d = t.desk.details;
  const catalog = useStore((s) => s.catalog);
  const isCoordinator = useStore((s) => s.agent?.role === "admin");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [draft, setDraft] = useState("");
  const labels = c.labels ?? [];
  const closed = c.status === "closed";

  async function save(details: Details): Promise<boolean> {
    setBusy(true);
    setError(null);
    const failed = await saveDetails(c.id, details);
    setBusy(false);
    setError(failed);
    return failed === null;
  }

  async function addLabel(event: Event): Promise<void> {
    event.preventDefault();
    const name = draft.trim().slice(0, MAX_LABEL);
    if (!name || labels.includes(name)) return setDraft("");
    if (await save({ labels: [...labels, name] })) setDraft("");
  }

  const categories = (catalog.categories ?? []).filter((k) => k.active || k.name === c.category);
  const knownCategory = categories.some((k) => k.name === c.category);
  // Only a coordinator may lift a protection once set.
  const locked = (flag: boolean | undefined) => closed || busy || (Boolean(flag) && !isCoordinator);

  return (
    <aside class="details" data-testid="case-details" aria-label={d.title}>
      <div class="details-head">
        <h3>{d.title}</h3>
        <button type="button" class="btn btn-ghost btn-icon" aria-label={t.desk.actions.close} title={t.desk.actions.close} onClick={() => toggleDetails(false)}>
          <Icon name="close" />
        </button>
      </div>
      <div class="details-body">
        <Reporter conversation={c} />
        <DeadlineList conversation={c} />
        <Csat conversation={c} />

        <label class="form-field">
          <span class="field-label">{d.priority}</span>
          <select
            class="input"
            data-testid="details-priority"
            value={c.priority ?? "normal"}
            disabled={closed || busy}
            onChange={(e) => void save({ priority: e.currentTarget.value as Priority })}
          >
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {label(t.desk.priority, p)}
              </option>
            ))}
          </select>
        </label>

        <div class="form-field">
          <span class="field-label">{d.labels}</span>
          <ul class="chips" data-testid="details-labels">
            {labels.length === 0 && <li class="field-hint">{d.noLabels}</li>}
            {labels.map((name) => (
              <li key={name} class="label-chip" data-testid="label-chip" data-label={name}>
                <span>{name}</span>
                <button
                  type="button"
                  class="chip-x"
                  data-testid="label-remove"
                  aria-label={d.removeLabel(name)}
                  title={d.removeLabel(name)}
                  disabled={closed || busy}
                  onClick={() => void save({ labels: labels.filter((l) => l !== name) })}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
          {labels.length < MAX_LABELS && !closed && (
            <form class="label-add" onSubmit={(e) => void addLabel(e)}>
              <input
                class="input"
                data-testid="details-label-input"
                placeholder={d.labelPlaceholder}
                aria-label={d.labelPlaceholder}
                maxLength={MAX_LABEL}
                value={draft}
                onInput={(e) => setDraft(e.currentTarget.value)}
              />
              <button type="submit" class="btn btn-small" data-testid="details-label-add" disabled={busy || !draft.trim()}>
                {d.addLabel}
              </button>
            </form>
          )}
        </div>

        <label class="form-field">
          <span class="field-label">{d.category}</span>
          <select
            class="input"
            data-testid="details-category"
            value={c.category ?? ""}
            disabled={closed || busy || !catalog.categories}
            onChange={(e) => void save({ category: e.currentTarget.value || null })}
          >
            <option value="">{d.noCategory}</option>
            {c.category && !knownCategory && <option value={c.category}>{c.category}</option>}
            {categories.map((k) => (
              <option key={k.id} value={k.name}>
                {k.needs_after_photo ? `${k.name} (${d.needsAfterPhoto})` : k.name}
              </option>
            ))}
          </select>
          {!catalog.categories && <span class="field-hint">{d.listMissing}</span>}
        </label>

        <div class="form-field">
          <span class="field-label">{d.kelurahan}</span>
          <AreaPicker
            areas={catalog.areas}
            value={c.kelurahan ?? null}
            disabled={closed || busy}
            onChange={(kelurahan) => void save({ kelurahan })}
            testid="details-kelurahan"
          />
        </div>

        <fieldset class="form-field flags">
          <legend class="field-label">{d.flags}</legend>
          <label class="toggle toggle-plain" title={c.rahasia && !isCoordinator ? d.onlyCoordinatorLifts : d.rahasiaHint}>
            <input
              type="checkbox"
              data-testid="details-rahasia"
              checked={Boolean(c.rahasia)}
              disabled={locked(c.rahasia)}
              onChange={(e) => void save({ rahasia: e.currentTarget.checked })}
            />
            <span>{d.rahasia}</span>
          </label>
          <span class="field-hint">{d.rahasiaHint}</span>
          <label class="toggle toggle-plain" title={c.anonim && !isCoordinator ? d.onlyCoordinatorLifts : d.anonimHint}>
            <input
              type="checkbox"
              data-testid="details-anonim"
              checked={Boolean(c.anonim)}
              disabled={locked(c.anonim)}
              onChange={(e) => void save({ anonim: e.currentTarget.checked })}
            />
            <span>{d.anonim}</span>
          </label>
          <span class="field-hint">{d.anonimHint}</span>
        </fieldset>

        {busy && (
          <p class="field-hint" aria-live="polite">
            {d.saving}
          </p>
        )}
        <FormError testid="details-error" code={error?.code} text={deskErrorText(t, error)} />

        {c.inbox.kind === "widget" && <DeviceCutOff conversation={c} />}

        <TransferHistory transfers={transfers} opdOf={(id) => opdName(catalog, id)} />
      </div>
    </aside>
  );
}

/** A website chat's device loses access (POST .../revoke-visitor): its widget starts afresh. */
function DeviceCutOff({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const d = t.desk.details;
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);

  async function cutOff(): Promise<void> {
    if (!window.confirm(d.cutOffConfirm)) return;
    setBusy(true);
    setError(null);
    try {
      setDone((await revokeVisitor(c.id)) ? d.cutOffDone : d.cutOffAlready);
    } catch (err) {
      setError(errorBody(err));
    }
    setBusy(false);
  }

  return (
    <div class="form-field">
      <button type="button" class="btn btn-small" data-testid="details-cut-off" disabled={busy} onClick={() => void cutOff()}>
        {d.cutOff}
      </button>
      <span class="field-hint">{done ?? d.cutOffHint}</span>
      <FormError testid="details-cut-off-error" code={error?.code} text={deskErrorText(t, error)} />
    </div>
  );
}

/** Who reported: a link to the resident's panel, or that they are hidden. */
function Reporter({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const p = t.contactPanel;
  const [open, setOpen] = useState(false);
  const id = c.contact.id;
  return (
    <div class="form-field reporter">
      <span class="field-label">{p.reporter}</span>
      {id === null ? (
        <span class="reporter-hidden" data-testid="contact-hidden">
          {p.hidden}
        </span>
      ) : (
        <button type="button" class="link-button" data-testid="contact-link" data-contact-id={id} title={p.open} onClick={() => setOpen(true)}>
          {c.contact.name?.trim() || t.contactFallback}
        </button>
      )}
      {open && id !== null && <ContactPanel contactId={id} onClose={() => setOpen(false)} />}
    </div>
  );
}

/** The resident's rating of the resolved case, and their comment. */
function Csat({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const score = c.csat;
  if (score === null || score === undefined) return null;
  const stars = Math.max(0, Math.min(5, Math.round(score)));
  return (
    <div class="form-field csat" data-testid="csat" data-score={score}>
      <p class="csat-line" aria-label={t.csat.label(score)}>
        {t.csat.title}: <span class="csat-stars">{"★".repeat(stars) + "☆".repeat(5 - stars)}</span> ({score}/5)
      </p>
      {c.csat_comment && (
        <blockquote class="csat-comment" data-testid="csat-comment">
          {c.csat_comment}
        </blockquote>
      )}
    </div>
  );
}

/** The hub's time, read as UTC when it comes without a zone (the history's times do, for now). */
function utc(iso: string): string {
  return /(Z|[+-]\d\d:?\d\d)$/i.test(iso) ? iso : `${iso}Z`;
}

function TransferHistory({ transfers, opdOf }: { transfers: Transfers; opdOf: (id: number) => string }) {
  const t = useT();
  const h = t.desk.history;
  const items = transfers.items;
  return (
    <section class="history" data-testid="transfer-history" aria-label={h.title}>
      <h4>{h.title}</h4>
      {!items && !transfers.error && <p class="field-hint">{h.loading}</p>}
      {!items && transfers.error && <p class="field-hint">{h.error}</p>}
      {items && items.length === 0 && <p class="field-hint">{h.empty}</p>}
      {items && items.length > 0 && (
        <ol class="history-list">
          {items.map((x) => (
            <li key={x.id} class={`history-item history-${x.state}`} data-testid="transfer-history-item" data-state={x.state}>
              <div class="history-route">
                <span>{opdOf(x.from_opd_id)}</span>
                <span aria-hidden="true"> → </span>
                <span>{opdOf(x.to_opd_id)}</span>
              </div>
              <div class="history-reason">{x.reason}</div>
              <div class="history-meta">
                <span class={`history-state state-${x.state}`}>{label(h.states, x.state)}</span>
                <time dateTime={utc(x.created_at)}>{fullDateTime(utc(x.created_at), t)}</time>
              </div>
              {x.answer && (
                <div class="history-answer">
                  {h.answer}: {x.answer}
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
