// Inboxes: add a widget, Telegram, WhatsApp or manual inbox; the embed code, webhook URL
// and (masked) settings; rename, reroute, rotate secrets.
import { useState } from "preact/hooks";
import { label, useT } from "../i18n";
import {
  createInbox,
  listInboxes,
  rotateInbox,
  updateInbox,
  type AdminInbox,
  type AdminOpd,
  type InboxKind,
  type Webhook,
} from "./api";
import { ConfigBadge, CopyField, ErrorNote, Field, LoadState, OnceBox, OpdSelect, opdName, useAction, useLoad } from "./shared";

const KINDS: InboxKind[] = ["widget", "telegram", "whatsapp", "manual"];
/** What each kind asks for when it is added (the hub makes up the rest). */
const OPTIONS: Record<InboxKind, string[]> = {
  widget: [],
  telegram: ["token"],
  whatsapp: ["phone_number_id", "access_token", "app_secret"],
  manual: [],
};

interface Outcome {
  title: string;
  secrets: Record<string, string>;
  embed?: string;
  webhook?: Webhook;
}

export function InboxesTab({ opds }: { opds: AdminOpd[] }) {
  const t = useT();
  const inboxes = useLoad(listInboxes);
  const [kind, setKind] = useState<InboxKind>("widget");
  const [form, setForm] = useState({ key: "", name: "", opd_id: opds.find((o) => o.active)?.id ?? 0 });
  const [options, setOptions] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [once, setOnce] = useState<{ title: string; value: string; webhook?: Webhook } | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const action = useAction();

  const optionLabel: Record<string, string> = {
    token: t.admin.inboxes.token,
    phone_number_id: t.admin.inboxes.phoneNumberId,
    access_token: t.admin.inboxes.accessToken,
    app_secret: t.admin.inboxes.appSecret,
  };

  const add = async (e: Event): Promise<void> => {
    e.preventDefault();
    const wanted = Object.fromEntries(OPTIONS[kind].map((name) => [name, (options[name] ?? "").trim()]));
    const ok = await action.run(async () => {
      const created = await createInbox({ ...form, kind, options: wanted });
      setOutcome({ title: t.admin.inboxes.created(created.inbox.name), secrets: created.secrets, embed: created.inbox.embed, webhook: created.webhook });
      setOpen(created.inbox.id);
    });
    if (ok) {
      setForm({ ...form, key: "", name: "" });
      setOptions({});
      inboxes.reload();
    }
  };

  const rotate = async (inbox: AdminInbox): Promise<void> => {
    const widget = inbox.kind === "widget";
    if (!window.confirm(widget ? t.admin.inboxes.rotateKeyConfirm : t.admin.inboxes.rotateConfirm)) return;
    const ok = await action.run(async () => {
      const done = await rotateInbox(inbox.id);
      setOnce({ title: t.admin.inboxes.rotated(done.rotated.name), value: done.rotated.value, webhook: done.webhook });
    });
    if (ok) inboxes.reload();
  };

  const change = async (inbox: AdminInbox, changes: { name?: string; opd_id?: number }): Promise<boolean> => {
    const ok = await action.run(() => updateInbox(inbox.id, changes));
    if (ok) inboxes.reload();
    return ok;
  };

  return (
    <div>
      <h2 class="admin-h2">{t.admin.inboxes.heading}</h2>
      <form class="admin-form" onSubmit={add} data-testid="inbox-form">
        <Field label={t.admin.inboxes.kind}>
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as InboxKind)} data-testid="inbox-kind">
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {label(t.admin.inboxes.kinds, k)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t.admin.inboxes.key} hint={t.admin.inboxes.keyHint}>
          <input value={form.key} onInput={(e) => setForm({ ...form, key: e.currentTarget.value })} data-testid="inbox-key" required />
        </Field>
        <Field label={t.admin.inboxes.name}>
          <input value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} data-testid="inbox-name" required />
        </Field>
        <Field label={t.admin.inboxes.opd}>
          <OpdSelect opds={opds} value={form.opd_id} onChange={(id) => setForm({ ...form, opd_id: id ?? 0 })} testid="inbox-opd" label={t.admin.inboxes.opd} />
        </Field>
        {OPTIONS[kind].map((name) => (
          <Field key={name} label={optionLabel[name]}>
            <input
              value={options[name] ?? ""}
              autocomplete="off"
              onInput={(e) => setOptions({ ...options, [name]: e.currentTarget.value })}
              data-testid={`inbox-option-${name}`}
              required
            />
          </Field>
        ))}
        <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="inbox-submit">
          {t.admin.inboxes.create}
        </button>
      </form>
      <ErrorNote error={action.error} />
      {outcome && <OutcomeBox outcome={outcome} onClose={() => setOutcome(null)} />}
      {once && (
        <>
          <OnceBox title={once.title} value={once.value} onClose={() => setOnce(null)} />
          {once.webhook && <WebhookNote webhook={once.webhook} />}
        </>
      )}
      <LoadState loaded={inboxes}>
        {(list) => (
          <table class="admin-table" data-testid="inbox-table">
            <thead>
              <tr>
                <th>{t.admin.inboxes.name}</th>
                <th>{t.admin.inboxes.key}</th>
                <th>{t.admin.inboxes.kind}</th>
                <th>{t.admin.inboxes.opd}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((inbox) => (
                <InboxRow
                  key={inbox.id}
                  inbox={inbox}
                  opds={opds}
                  open={open === inbox.id}
                  onToggle={() => setOpen(open === inbox.id ? null : inbox.id)}
                  onRotate={() => void rotate(inbox)}
                  onChange={(changes) => change(inbox, changes)}
                />
              ))}
            </tbody>
          </table>
        )}
      </LoadState>
    </div>
  );
}

function InboxRow({
  inbox,
  opds,
  open,
  onToggle,
  onRotate,
  onChange,
}: {
  inbox: AdminInbox;
  opds: AdminOpd[];
  open: boolean;
  onToggle: () => void;
  onRotate: () => void;
  onChange: (changes: { name?: string; opd_id?: number }) => Promise<boolean>;
}) {
  const t = useT();
  const [draft, setDraft] = useState<{ name: string; opd_id: number } | null>(null);
  const fromConsole = inbox.managed === "console";
  const rotatable = fromConsole && inbox.kind !== "manual" && inbox.kind !== "api";
  const save = async (): Promise<void> => {
    if (draft && (await onChange(draft))) setDraft(null);
  };
  return (
    <>
      <tr data-testid="inbox-row" data-key={inbox.key}>
        <td>
          {draft ? (
            <input value={draft.name} aria-label={t.admin.inboxes.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
          ) : (
            <>
              {inbox.name} {!fromConsole && <ConfigBadge />}
            </>
          )}
        </td>
        <td class="admin-mono">{inbox.key}</td>
        <td>{label(t.admin.inboxes.kinds, inbox.kind)}</td>
        <td>
          {draft ? (
            <OpdSelect opds={opds} value={draft.opd_id} onChange={(id) => setDraft({ ...draft, opd_id: id ?? draft.opd_id })} label={t.admin.inboxes.opd} />
          ) : (
            opdName(opds, inbox.opd_id, t.admin.none)
          )}
        </td>
        <td class="admin-actions">
          {draft ? (
            <>
              <button type="button" class="btn btn-small btn-primary" onClick={() => void save()}>
                {t.admin.save}
              </button>
              <button type="button" class="btn btn-small" onClick={() => setDraft(null)}>
                {t.admin.cancel}
              </button>
            </>
          ) : (
            <>
              <button type="button" class="btn btn-small" data-testid="inbox-details" aria-expanded={open} onClick={onToggle}>
                {t.admin.inboxes.details}
              </button>
              {fromConsole && (
                <button type="button" class="btn btn-small" onClick={() => setDraft({ name: inbox.name, opd_id: inbox.opd_id })}>
                  {t.admin.edit}
                </button>
              )}
              {rotatable && (
                <button type="button" class="btn btn-small" data-testid="inbox-rotate" onClick={onRotate}>
                  {inbox.kind === "widget" ? t.admin.inboxes.rotateKey : t.admin.inboxes.rotate}
                </button>
              )}
            </>
          )}
        </td>
      </tr>
      {open && (
        <tr class="admin-details" data-testid="inbox-details-row" data-key={inbox.key}>
          <td colSpan={5}>
            {inbox.embed && (
              <Field label={t.admin.inboxes.embed}>
                <CopyField value={inbox.embed} testid="inbox-embed" multiline />
              </Field>
            )}
            {inbox.webhook_url && (
              <Field label={t.admin.inboxes.webhookUrl}>
                <CopyField value={inbox.webhook_url} testid="inbox-webhook-url" />
              </Field>
            )}
            {Object.keys(inbox.options).length > 0 && (
              <dl class="admin-options" data-testid="inbox-options">
                {Object.entries(inbox.options).map(([name, value]) => (
                  <div key={name}>
                    <dt>{name}</dt>
                    <dd class="admin-mono">{typeof value === "string" ? value : JSON.stringify(value)}</dd>
                  </div>
                ))}
              </dl>
            )}
          </td>
        </tr>
      )}
    </>
  );
}

function OutcomeBox({ outcome, onClose }: { outcome: Outcome; onClose: () => void }) {
  const t = useT();
  const secrets = Object.entries(outcome.secrets);
  return (
    <div class="admin-once" role="status" data-testid="inbox-created">
      <p>{outcome.title}</p>
      {outcome.embed && (
        <Field label={t.admin.inboxes.embed}>
          <CopyField value={outcome.embed} testid="inbox-created-embed" multiline />
        </Field>
      )}
      {secrets.length > 0 && (
        <>
          <p>{t.admin.inboxes.secrets}</p>
          {secrets.map(([name, value]) => (
            <Field key={name} label={name}>
              <CopyField value={value} testid={`inbox-secret-${name}`} />
            </Field>
          ))}
          <p class="admin-muted">{t.admin.shownOnce}</p>
        </>
      )}
      {outcome.webhook && <WebhookNote webhook={outcome.webhook} />}
      <button type="button" class="btn btn-small" onClick={onClose}>
        {t.admin.close}
      </button>
    </div>
  );
}

function WebhookNote({ webhook }: { webhook: Webhook }) {
  const t = useT();
  return (
    <p class={webhook.ok ? "admin-ok" : "admin-error"} data-testid="inbox-webhook">
      {webhook.ok ? t.admin.inboxes.webhookOk : t.admin.inboxes.webhookFailed} {webhook.detail}
    </p>
  );
}
