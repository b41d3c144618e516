// Report categories: name, the OPD such cases usually go to, whether an "after" photo is needed.
import { useState } from "preact/hooks";
import { useT } from "../i18n";
import { createCategory, listCategories, updateCategory, type AdminOpd, type Category } from "./api";
import { ErrorNote, Field, LoadState, OpdSelect, opdName, useAction, useLoad } from "./shared";

export function CategoriesTab({ opds }: { opds: AdminOpd[] }) {
  const t = useT();
  const categories = useLoad(listCategories);
  const [form, setForm] = useState({ name: "", opd_id: null as number | null, needs_after_photo: false });
  const [editing, setEditing] = useState<{ id: number; name: string; opd_id: number | null } | null>(null);
  const action = useAction();

  const add = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (await action.run(() => createCategory(form))) {
      setForm({ name: "", opd_id: null, needs_after_photo: false });
      categories.reload();
    }
  };
  const change = async (category: Category, changes: Partial<Omit<Category, "id">>): Promise<void> => {
    if (await action.run(() => updateCategory(category.id, changes))) {
      setEditing(null);
      categories.reload();
    }
  };

  return (
    <div>
      <h2 class="admin-h2">{t.admin.categories.heading}</h2>
      <form class="admin-form" onSubmit={add} data-testid="category-form">
        <Field label={t.admin.categories.name}>
          <input value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} data-testid="category-name" required />
        </Field>
        <Field label={t.admin.categories.opd}>
          <OpdSelect opds={opds} value={form.opd_id} onChange={(opd_id) => setForm({ ...form, opd_id })} none={t.admin.none} testid="category-opd" label={t.admin.categories.opd} />
        </Field>
        <label class="admin-check" title={t.admin.categories.afterPhotoHint}>
          <input type="checkbox" checked={form.needs_after_photo} onChange={(e) => setForm({ ...form, needs_after_photo: e.currentTarget.checked })} data-testid="category-photo" />
          {t.admin.categories.afterPhoto}
        </label>
        <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="category-submit">
          {t.admin.categories.create}
        </button>
      </form>
      <ErrorNote error={action.error} />
      <LoadState loaded={categories}>
        {(list) => (
          <table class="admin-table" data-testid="category-table">
            <thead>
              <tr>
                <th>{t.admin.categories.name}</th>
                <th>{t.admin.categories.opd}</th>
                <th>{t.admin.categories.afterPhoto}</th>
                <th>{t.admin.categories.status}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id} data-testid="category-row" data-name={c.name} class={c.active ? "" : "is-inactive"}>
                  <td>
                    {editing?.id === c.id ? (
                      <input value={editing.name} aria-label={t.admin.categories.name} onInput={(e) => setEditing({ ...editing, name: e.currentTarget.value })} />
                    ) : (
                      c.name
                    )}
                  </td>
                  <td>
                    {editing?.id === c.id ? (
                      <OpdSelect opds={opds} value={editing.opd_id} onChange={(opd_id) => setEditing({ ...editing, opd_id })} none={t.admin.none} label={t.admin.categories.opd} />
                    ) : (
                      opdName(opds, c.opd_id, t.admin.none)
                    )}
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t.admin.categories.afterPhoto}
                      checked={c.needs_after_photo}
                      onChange={(e) => void change(c, { needs_after_photo: e.currentTarget.checked })}
                    />
                  </td>
                  <td>{c.active ? t.admin.active : t.admin.inactive}</td>
                  <td class="admin-actions">
                    {editing?.id === c.id ? (
                      <>
                        <button type="button" class="btn btn-small btn-primary" onClick={() => void change(c, { name: editing.name, opd_id: editing.opd_id })}>
                          {t.admin.save}
                        </button>
                        <button type="button" class="btn btn-small" onClick={() => setEditing(null)}>
                          {t.admin.cancel}
                        </button>
                      </>
                    ) : (
                      <>
                        <button type="button" class="btn btn-small" onClick={() => setEditing({ id: c.id, name: c.name, opd_id: c.opd_id })}>
                          {t.admin.edit}
                        </button>
                        <button type="button" class="btn btn-small" onClick={() => void change(c, { active: !c.active })}>
                          {c.active ? t.admin.deactivate : t.admin.activate}
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
