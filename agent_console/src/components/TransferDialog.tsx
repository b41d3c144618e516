import { useEffect, useState } from "preact/hooks";
import { loadCatalog } from "../catalog";
import { transfer } from "../desk";
import { useT } from "../i18n";
import { useStore } from "../store";
import type { Conversation, ErrorBody } from "../types";
import { Dialog, FormError } from "./Dialog";
import { deskErrorText } from "./useTransfers";

/** Disposisi: another OPD, and why the case is theirs. */
export function TransferDialog({ conversation: c, onClose }: { conversation: Conversation; onClose: () => void }) {
  const t = useT();
  const d = t.desk.transfer;
  const opds = useStore((s) => s.catalog.opds);
  const [slug, setSlug] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);

  useEffect(() => {
    void loadCatalog(true);
  }, []);

  const choices = (opds ?? []).filter((o) => o.id !== c.opd.id);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (!slug) return setError({ code: "form", message: d.needOpd });
    if (!reason.trim()) return setError({ code: "form", message: d.needReason });
    setBusy(true);
    setError(null);
    const failed = await transfer(c.id, slug, reason.trim());
    setBusy(false);
    if (failed) setError(failed);
    else onClose();
  }

  return (
    <Dialog title={d.title} testid="transfer-dialog" onClose={onClose}>
      <form class="form" onSubmit={(e) => void submit(e)} noValidate>
        <label class="form-field">
          <span class="field-label">{d.opd}</span>
          <select class="input" autoFocus data-testid="transfer-opd" value={slug} disabled={!opds} onChange={(e) => setSlug(e.currentTarget.value)}>
            <option value="">{d.choose}</option>
            {choices.map((o) => (
              <option key={o.slug} value={o.slug}>
                {o.coordinator ? `${o.name} (${d.coordinator})` : o.name}
              </option>
            ))}
          </select>
          {!opds && <span class="field-hint">{d.noOpds}</span>}
        </label>
        <label class="form-field">
          <span class="field-label">{d.reason}</span>
          <textarea
            class="input"
            rows={3}
            data-testid="transfer-reason"
            placeholder={d.reasonPlaceholder}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </label>
        <FormError testid="transfer-error" code={error?.code} text={error?.code === "form" ? error.message : deskErrorText(t, error)} />
        <div class="form-actions">
          <button type="button" class="btn" onClick={onClose}>
            {t.desk.actions.cancel}
          </button>
          <button type="submit" class="btn btn-primary" data-testid="transfer-submit" disabled={busy}>
            {busy ? d.sending : d.submit}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
