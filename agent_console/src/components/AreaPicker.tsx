import { useMemo, useState } from "preact/hooks";
import { useT } from "../i18n";
import type { Area } from "../types";

interface AreaPickerProps {
  areas: Area[] | null;
  value: string | null;
  onChange: (kelurahan: string | null) => void;
  testid: string;
  disabled?: boolean;
  id?: string;
}

function fold(text: string): string {
  return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
}

/** A kelurahan, grouped by kecamatan; typing narrows the list (by kelurahan or kecamatan). */
export function AreaPicker({ areas, value, onChange, testid, disabled, id }: AreaPickerProps) {
  const t = useT();
  const [search, setSearch] = useState("");
  const groups = useMemo(() => {
    const wanted = fold(search.trim());
    const byKecamatan = new Map<string, string[]>();
    for (const a of areas ?? []) {
      const fits = !wanted || fold(a.kelurahan).includes(wanted) || fold(a.kecamatan).includes(wanted);
      // The chosen one stays listed, so the select can show it whatever is typed.
      if (!fits && a.kelurahan !== value) continue;
      const names = byKecamatan.get(a.kecamatan) ?? [];
      names.push(a.kelurahan);
      byKecamatan.set(a.kecamatan, names);
    }
    return Array.from(byKecamatan.entries());
  }, [areas, search, value]);
  const known = (areas ?? []).some((a) => a.kelurahan === value);
  const empty = search.trim() !== "" && groups.every(([, names]) => names.every((n) => n === value));

  return (
    <div class="area-picker">
      <input
        type="search"
        class="input"
        data-testid={`${testid}-search`}
        placeholder={t.desk.details.kelurahanSearch}
        aria-label={t.desk.details.kelurahanSearch}
        value={search}
        disabled={disabled || !areas}
        onInput={(e) => setSearch(e.currentTarget.value)}
      />
      <select
        id={id}
        class="input"
        data-testid={testid}
        value={value ?? ""}
        disabled={disabled || !areas}
        onChange={(e) => onChange(e.currentTarget.value || null)}
      >
        <option value="">{t.desk.details.noKelurahan}</option>
        {value && !known && <option value={value}>{value}</option>}
        {groups.map(([kecamatan, names]) => (
          <optgroup key={kecamatan} label={kecamatan}>
            {names.map((name) => (
              <option key={`${kecamatan}/${name}`} value={name}>
                {name}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      {empty && <p class="field-hint">{t.desk.details.noMatch}</p>}
      {!areas && <p class="field-hint">{t.desk.details.listMissing}</p>}
    </div>
  );
}
