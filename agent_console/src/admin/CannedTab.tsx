// Canned responses: /shortcut, text with {nama}, {kode}, {opd}; for all OPDs or one.
import { useState } from "preact/hooks";
import { useT } from "../i18n";
import { createCanned, deleteCanned, listCanned, updateCanned, type AdminOpd, type CannedResponse } from "./api";
import { ErrorNote, Field, LoadState, OpdSelect, opdName, useAction, useLoad } from "./shared";

/** The text as a resident would read it, with sample values for the fields. */
function preview(body: string, sample: Record<string, string>): string {
  return body.replace(/\{([^{}]*)\}/g, (all, name: string) => sample[name] ?? all);
}

export function CannedTab({ opds }: { opds: AdminOpd[] }) {
  const t = useT();
  const canned = useLoad(listCanned);
  const [form, setForm] = useState({ shortcut: "", body: "", opd_id: null as number | null });
  const [editing, setEditing] = useState<{ id: number; body: string } | null>(null);
  const action = useAction();

  const add = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (await action.run(() => createCanned(form))) {
      setForm({ shortcut: "", body: "", opd_id: form.opd_id });
      canned.reload();
    }
  };
  const save = async (item: CannedResponse, body: string): Promise<void> => {
    if (await action.run(() => updateCanned(item.id, { body }))) {
      setEditing(null);
      canned.reload();
    }
  };
  const remove = async (item: CannedResponse): Promise<void> => {
    if (!window.confirm(t.admin.canned.deleteConfirm(item.shortcut))) return;
    if (await action.run(() => deleteCanned(item.id))) canned.reload();
  };

  return (
    <div>
      <h2 class="admin-h2">{t.admin.canned.heading}</h2>
      <form class="admin-form admin-form-wide" onSubmit={add} data-testid="canned-form">
        <Field label={t.admin.canned.shortcut} hint={t.admin.canned.shortcutHint}>
          <input value={form.shortcut} onInput={(e) => setForm({ ...form, shortcut: e.currentTarget.value })} data-testid="canned-shortcut" required />
        </Field>
        <Field label={t.admin.canned.opd}>
          <OpdSelect opds={opds} value={form.opd_id} onChange={(opd_id) => setForm({ ...form, opd_id })} none={t.admin.allOpds} testid="canned-opd" label={t.admin.canned.opd} />
        </Field>
        <Field label={t.admin.canned.body} hint={t.admin.canned.variables}>
          <textarea rows={3} value={form.body} onInput={(e) => setForm({ ...form, body: e.currentTarget.value })} data-testid="canned-body" required />
        </Field>
        {form.body && (
          <p class="admin-preview" data-testid="canned-preview">
            <span class="admin-muted">{t.admin.canned.preview}: </span>
            {preview(form.body, t.admin.canned.sample)}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="canned-submit">
          {t.admin.canned.create}
        </button>
      </form>
      <ErrorNote error={action.error} />
      <LoadState loaded={canned}>
        {(list) => (
          <table class="admin-table" data-testid="canned-table">
            <thead>
              <tr>
                <th>{t.admin.canned.shortcut}</th>
                <th>{t.admin.canned.opd}</th>
                <th>{t.admin.canned.body}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((item) => (
                <tr key={item.id} data-testid="canned-row" data-shortcut={item.shortcut}>
                  <td class="admin-mono">/{item.shortcut}</td>
                  <td>{opdName(opds, item.opd_id, t.admin.allOpds)}</td>
                  <td class="admin-wrap">
                    {editing?.id === item.id ? (
                      <textarea rows={3} aria-label={t.admin.canned.body} value={editing.body} onInput={(e) => setEditing({ ...editing, body: e.currentTarget.value })} />
                    ) : (
                      item.body
                    )}
                  </td>
                  <td class="admin-actions">
                    {editing?.id === item.id ? (
                      <>
                        <button type="button" class="btn btn-small btn-primary" onClick={() => void save(item, editing.body)}>
                          {t.admin.save}
                        </button>
                        <button type="button" class="btn btn-small" onClick={() => setEditing(null)}>
                          {t.admin.cancel}
                        </button>
                      </>
                    ) : (
                      <>
                        <button type="button" class="btn btn-small" onClick={() => setEditing({ id: item.id, body: item.body })}>
                          {t.admin.edit}
                        </button>
                        <button type="button" class="btn btn-small" onClick={() => void remove(item)}>
                          {t.admin.delete}
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadState>
    </div>
  );
}
