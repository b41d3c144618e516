import { useState } from "preact/hooks";
import { opdName } from "../catalog";
import { acceptTransfer, returnTransfer } from "../desk";
import { useT } from "../i18n";
import { useStore } from "../store";
import type { Conversation, ErrorBody } from "../types";
import { FormError } from "./Dialog";
import { deskErrorText, type Transfers } from "./useTransfers";

/**
 * A disposisi waiting for an answer. The receiving OPD (the case is already theirs) accepts
 * it or returns it with a reason; everyone else sees whom it waits for.
 */
export function PendingTransfer({ conversation: c, transfers }: { conversation: Conversation; transfers: Transfers }) {
  const t = useT();
  const d = t.desk.incoming;
  const agent = useStore((s) => s.agent);
  const catalog = useStore((s) => s.catalog);
  const [returning, setReturning] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  if (c.pending_transfer_id == null) return null;

  const pending = transfers.items?.find((x) => x.id === c.pending_transfer_id);
  const from = pending ? opdName(catalog, pending.from_opd_id) : d.unknownSender;
  const receiver = agent?.opd?.id === c.opd.id;

  if (!receiver) {
    return (
      <div class="transfer-banner transfer-waiting" role="status" data-testid="transfer-waiting">
        <strong>{d.waiting(c.opd.name)}</strong>
        {pending && <span class="transfer-reason">{pending.reason}</span>}
      </div>
    );
  }

  async function run(work: () => Promise<ErrorBody | null>): Promise<void> {
    setBusy(true);
    setError(null);
    const failed = await work();
    setBusy(false);
    if (failed) setError(failed);
  }

  function sendBack(event: Event): void {
    event.preventDefault();
    if (!reason.trim()) {
      setError({ code: "empty", message: "" });
      return;
    }
    void run(() => returnTransfer(c.id, reason.trim()));
  }

  return (
    <section class="transfer-banner transfer-incoming" data-testid="transfer-incoming" aria-label={d.title(from)}>
      <div class="transfer-text">
        <strong>{d.title(from)}</strong>
        {pending && (
          <span class="transfer-reason" data-testid="transfer-incoming-reason">
            {d.reason}: {pending.reason}
          </span>
        )}
      </div>
      {!returning && (
        <div class="transfer-buttons">
          <button
            type="button"
            class="btn btn-primary"
            data-testid="accept-transfer"
            title={d.acceptTitle}
            disabled={busy}
            onClick={() => void run(() => acceptTransfer(c.id))}
          >
            {d.accept}
          </button>
          <button type="button" class="btn" data-testid="return-transfer" title={d.returnTitle} disabled={busy} onClick={() => setReturning(true)}>
            {d.return}
          </button>
        </div>
      )}
      {returning && (
        <form class="transfer-return" onSubmit={sendBack}>
          <label class="form-field">
            <span class="field-label">{d.returnReason}</span>
            <textarea
              class="input"
              rows={2}
              data-testid="return-reason"
              placeholder={d.returnPlaceholder}
              value={reason}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </label>
          <div class="transfer-buttons">
            <button type="button" class="btn" onClick={() => setReturning(false)}>
              {t.desk.actions.cancel}
            </button>
            <button type="submit" class="btn btn-primary" data-testid="return-submit" disabled={busy}>
              {d.returnSubmit(from)}
            </button>
          </div>
        </form>
      )}
      <FormError testid="transfer-answer-error" code={error?.code} text={deskErrorText(t, error)} />
    </section>
  );
}
