// Areas: the city's kecamatan and kelurahan/desa; add one, or import many from CSV.
import { useState } from "preact/hooks";
import { useT } from "../i18n";
import { createArea, deleteArea, importAreas, listAreas, type Area } from "./api";
import { ErrorNote, Field, LoadState, useAction, useLoad } from "./shared";

export function AreasTab() {
  const t = useT();
  const areas = useLoad(listAreas);
  const [one, setOne] = useState({ kecamatan: "", kelurahan: "" });
  const [csv, setCsv] = useState("");
  const [filter, setFilter] = useState("");
  const [imported, setImported] = useState<string | null>(null);
  const action = useAction();

  const addOne = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (await action.run(() => createArea(one.kecamatan, one.kelurahan))) {
      setOne({ kecamatan: one.kecamatan, kelurahan: "" });
      areas.reload();
    }
  };
  const addMany = async (e: Event): Promise<void> => {
    e.preventDefault();
    setImported(null);
    const ok = await action.run(async () => {
      const result = await importAreas(csv);
      setImported(t.admin.areas.imported(result.added, result.skipped));
    });
    if (ok) {
      setCsv("");
      areas.reload();
    }
  };
  const remove = async (area: Area): Promise<void> => {
    if (await action.run(() => deleteArea(area.id))) areas.reload();
  };

  const wanted = filter.trim().toLowerCase();
  const groups = (list: Area[]): [string, Area[]][] => {
    const byKecamatan = new Map<string, Area[]>();
    for (const area of list) {
      if (wanted && !`${area.kecamatan} ${area.kelurahan}`.toLowerCase().includes(wanted)) continue;
      byKecamatan.set(area.kecamatan, [...(byKecamatan.get(area.kecamatan) ?? []), area]);
    }
    return [...byKecamatan.entries()];
  };

  return (
    <div>
      <h2 class="admin-h2">{t.admin.areas.heading}</h2>
      <div class="admin-columns">
        <form class="admin-form" onSubmit={addOne} data-testid="area-form">
          <Field label={t.admin.areas.kecamatan}>
            <input value={one.kecamatan} onInput={(e) => setOne({ ...one, kecamatan: e.currentTarget.value })} data-testid="area-kecamatan" required />
          </Field>
          <Field label={t.admin.areas.kelurahan}>
            <input value={one.kelurahan} onInput={(e) => setOne({ ...one, kelurahan: e.currentTarget.value })} data-testid="area-kelurahan" required />
          </Field>
          <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="area-submit">
            {t.admin.areas.addOne}
          </button>
        </form>
        <form class="admin-form admin-form-wide" onSubmit={addMany} data-testid="area-import-form">
          <Field label={t.admin.areas.import} hint={t.admin.areas.importHint}>
            <textarea rows={5} value={csv} placeholder={"kecamatan,kelurahan\nSirimau,Batu Merah"} onInput={(e) => setCsv(e.currentTarget.value)} data-testid="area-csv" required />
          </Field>
          <button type="submit" class="btn" disabled={action.busy} data-testid="area-import">
            {t.admin.areas.import}
          </button>
        </form>
      </div>
      <ErrorNote error={action.error} />
      {imported && (
        <p class="admin-ok" role="status" data-testid="area-imported">
          {imported}
        </p>
      )}
      <LoadState loaded={areas}>
        {(list) => (
          <div data-testid="area-list">
            <div class="admin-inline">
              <input type="search" placeholder={t.admin.areas.filter} aria-label={t.admin.areas.filter} value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
              <span class="admin-muted">{t.admin.areas.count(list.length)}</span>
            </div>
            {groups(list).map(([kecamatan, kelurahan]) => (
              <section key={kecamatan} class="admin-group" data-testid="area-group" data-kecamatan={kecamatan}>
                <h3>{kecamatan}</h3>
                <ul class="admin-chips">
                  {kelurahan.map((area) => (
                    <li key={area.id} data-testid="area-item">
                      {area.kelurahan}
                      <button type="button" class="admin-chip-remove" aria-label={`${t.admin.delete} ${area.kelurahan}`} onClick={() => void remove(area)}>
                        ×
                      </button>
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          </div>
        )}
      </LoadState>
    </div>
  );
}
