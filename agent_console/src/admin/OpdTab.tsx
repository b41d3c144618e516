// OPDs: add, rename, (de)activate, and mark the coordinator.
import { useState } from "preact/hooks";
import { useT } from "../i18n";
import { createOpd, updateOpd, type AdminOpd } from "./api";
import { ConfigBadge, ErrorNote, Field, useAction } from "./shared";

export function OpdTab({ opds, reload }: { opds: AdminOpd[]; reload: () => void }) {
  const t = useT();
  const [slug, setSlug] = useState("");
  const [name, setName] = useState("");
  const [editing, setEditing] = useState<{ id: number; name: string } | null>(null);
  const action = useAction();

  const add = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (await action.run(() => createOpd(slug, name))) {
      setSlug("");
      setName("");
      reload();
    }
  };
  const change = async (id: number, changes: Parameters<typeof updateOpd>[1]): Promise<void> => {
    if (await action.run(() => updateOpd(id, changes))) {
      setEditing(null);
      reload();
    }
  };

  return (
    <div>
      <h2 class="admin-h2">{t.admin.opd.heading}</h2>
      <p class="admin-muted">{t.admin.opd.coordinatorHint}</p>
      <form class="admin-form" onSubmit={add} data-testid="opd-form">
        <Field label={t.admin.opd.slug} hint={t.admin.opd.slugHint}>
          <input value={slug} onInput={(e) => setSlug(e.currentTarget.value)} data-testid="opd-slug" required />
        </Field>
        <Field label={t.admin.opd.name}>
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} data-testid="opd-name" required />
        </Field>
        <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="opd-submit">
          {t.admin.add}
        </button>
      </form>
      <ErrorNote error={action.error} />
      <table class="admin-table" data-testid="opd-table">
        <thead>
          <tr>
            <th>{t.admin.opd.name}</th>
            <th>{t.admin.opd.slug}</th>
            <th>{t.admin.opd.agents}</th>
            <th>{t.admin.opd.inboxes}</th>
            <th>{t.admin.opd.status}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {opds.map((o) => (
            <tr key={o.id} data-testid="opd-row" data-slug={o.slug} class={o.active ? "" : "is-inactive"}>
              <td>
                {editing?.id === o.id ? (
                  <span class="admin-inline">
                    <input
                      value={editing.name}
                      aria-label={t.admin.opd.name}
                      onInput={(e) => setEditing({ id: o.id, name: e.currentTarget.value })}
                    />
                    <button type="button" class="btn btn-small btn-primary" onClick={() => void change(o.id, { name: editing.name })}>
                      {t.admin.save}
                    </button>
                    <button type="button" class="btn btn-small" onClick={() => setEditing(null)}>
                      {t.admin.cancel}
                    </button>
                  </span>
                ) : (
                  <>
                    {o.name} {o.coordinator && <span class="admin-badge admin-badge-strong">{t.admin.opd.coordinator}</span>}{" "}
                    {o.managed === "config" && <ConfigBadge />}
                  </>
                )}
              </td>
              <td class="admin-mono">{o.slug}</td>
              <td>{o.agents}</td>
              <td>{o.inboxes}</td>
              <td>{o.active ? t.admin.active : t.admin.inactive}</td>
              <td class="admin-actions">
                {o.managed === "console" && editing?.id !== o.id && (
                  <button type="button" class="btn btn-small" onClick={() => setEditing({ id: o.id, name: o.name })}>
                    {t.admin.edit}
                  </button>
                )}
                {!o.coordinator && o.active && (
                  <button type="button" class="btn btn-small" onClick={() => void change(o.id, { coordinator: true })}>
                    {t.admin.opd.makeCoordinator}
                  </button>
                )}
                {!o.coordinator && (
                  <button type="button" class="btn btn-small" onClick={() => void change(o.id, { active: !o.active })}>
                    {o.active ? t.admin.deactivate : t.admin.activate}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
