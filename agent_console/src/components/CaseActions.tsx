import { useEffect, useRef, useState } from "preact/hooks";
import { canAssign, reloadColleagues } from "../catalog";
import { assign, showToast, take } from "../desk";
import { useT } from "../i18n";
import type { Strings } from "../locales/id";
import { useStore } from "../store";
import { changeStatus, showNotice } from "../thread";
import type { Conversation, ErrorBody } from "../types";
import { StatusBadge } from "./Badges";
import { toggleDetails } from "./CaseDetails";
import { ResolveDialog } from "./ResolveDialog";
import { TransferDialog } from "./TransferDialog";
import { deskErrorText } from "./useTransfers";

type Open = "transfer" | "resolve" | null;

/** The thread's notice, in the workflow's words (the general "conflict" is about resending). */
function deskNotice(t: Strings, error: ErrorBody): void {
  showNotice({ code: `desk.${error.code}`, message: deskErrorText(t, error) });
}

/** The header's buttons: take, assign, disposisi, resolve or reopen, details. */
export function CaseActions({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const a = t.desk.actions;
  const role = useStore((s) => s.agent?.role);
  const detailsOpen = useStore((s) => s.detailsOpen);
  const [open, setOpen] = useState<Open>(null);
  const [busy, setBusy] = useState(false);
  const active = c.status === "open" || c.status === "pending";
  const pending = c.pending_transfer_id != null;

  async function run(work: () => Promise<ErrorBody | null>): Promise<void> {
    setBusy(true);
    const failed = await work();
    setBusy(false);
    if (failed) deskNotice(t, failed);
  }

  async function reopen(): Promise<void> {
    setBusy(true);
    await changeStatus("open");
    setBusy(false);
  }

  return (
    <div class="thread-actions">
      <StatusBadge status={c.status} testid="status-badge" />
      {active && !pending && c.assignee === null && (
        <button type="button" class="btn" data-testid="take-button" title={a.takeTitle} disabled={busy} onClick={() => void run(() => take(c.id))}>
          {a.take}
        </button>
      )}
      {active && !pending && canAssign(role) && <AssignMenu conversation={c} />}
      {active && !pending && (
        <button type="button" class="btn" data-testid="transfer-button" title={a.transferTitle} onClick={() => setOpen("transfer")}>
          {a.transfer}
        </button>
      )}
      {c.status === "resolved" && (
        <button type="button" class="btn" data-testid="reopen-button" disabled={busy} onClick={() => void reopen()}>
          {t.thread.reopen}
        </button>
      )}
      {active && (
        <button type="button" class="btn btn-primary" data-testid="resolve-button" onClick={() => setOpen("resolve")}>
          {t.thread.resolve}
        </button>
      )}
      <button
        type="button"
        class={detailsOpen ? "btn btn-ghost details-toggle active" : "btn btn-ghost details-toggle"}
        data-testid="details-toggle"
        aria-pressed={detailsOpen}
        title={a.detailsTitle}
        onClick={() => toggleDetails()}
      >
        {a.details}
      </button>
      {open === "transfer" && <TransferDialog conversation={c} onClose={() => setOpen(null)} />}
      {open === "resolve" && <ResolveDialog conversation={c} onClose={() => setOpen(null)} />}
    </div>
  );
}

/** Supervisors and coordinators give the case to an agent of its OPD, or back to the queue. */
function AssignMenu({ conversation: c }: { conversation: Conversation }) {
  const t = useT();
  const a = t.desk.actions;
  const agents = useStore((s) => s.catalog.agents);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return undefined;
    void reloadColleagues();
    const away = (e: MouseEvent): void => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent): void => {
      if (e.key === "Escape") setOpen(false);
    };
    document.addEventListener("mousedown", away);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("mousedown", away);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);

  const choices = (agents ?? []).filter((x) => x.opd_id === c.opd.id);

  async function pick(agentId: number | null): Promise<void> {
    setBusy(true);
    const failed = await assign(c.id, agentId);
    setBusy(false);
    setOpen(false);
    if (failed) deskNotice(t, failed);
    else if (agentId === null) showToast("unassigned");
  }

  return (
    <div class="menu-wrap" ref={root}>
      <button
        type="button"
        class="btn"
        data-testid="assign-button"
        aria-haspopup="menu"
        aria-expanded={open}
        title={a.assignTitle}
        onClick={() => setOpen(!open)}
      >
        {a.assign} ▾
      </button>
      {open && (
        <div class="menu" role="menu" data-testid="assign-menu" aria-label={a.assignTo}>
          {!agents && <p class="menu-note">{a.assignLoading}</p>}
          {agents && choices.length === 0 && <p class="menu-note">{a.assignNone}</p>}
          {choices.map((x) => (
            <button
              key={x.id}
              type="button"
              role="menuitemradio"
              aria-checked={c.assignee?.id === x.id}
              class={c.assignee?.id === x.id ? "menu-item current" : "menu-item"}
              data-testid="assign-option"
              data-agent-id={x.id}
              disabled={busy}
              onClick={() => void pick(x.id)}
            >
              <span class={x.online ? "presence online" : "presence"} aria-hidden="true" />
              <span class="menu-label">{x.name}</span>
              {x.online && <span class="menu-meta">{a.online}</span>}
            </button>
          ))}
          {c.assignee && (
            <button type="button" role="menuitem" class="menu-item menu-unassign" data-testid="unassign-option" disabled={busy} onClick={() => void pick(null)}>
              {a.unassign}
            </button>
          )}
        </div>
      )}
    </div>
  );
}
