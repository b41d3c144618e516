// A table sorted by clicking a column's header (again: the other way). Empty values stay
// last either way; ties keep the label order.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { useT } from "../i18n";

export interface Column<R> {
  id: string;
  title: string;
  hint?: string;
  numeric?: boolean;
  /** What the column sorts by, and the cell's data-value. */
  value: (row: R) => number | string | null;
  render: (row: R) => ComponentChildren;
  cellClass?: (row: R) => string;
}

export interface Sort {
  id: string;
  desc: boolean;
}

function compare(a: number | string | null, b: number | string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
}

export function SortableTable<R extends { key: string; label: string }>({
  columns,
  rows,
  initial,
  caption,
  testid,
}: {
  columns: Column<R>[];
  rows: R[];
  initial: Sort;
  caption: string;
  testid: string;
}) {
  const t = useT();
  const [sort, setSort] = useState<Sort>(initial);
  const column = columns.find((c) => c.id === sort.id) ?? columns[0];
  const sorted = [...rows].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    const nulls = x === null || y === null;
    const order = nulls ? compare(x, y) : sort.desc ? compare(y, x) : compare(x, y);
    return order || a.label.localeCompare(b.label);
  });
  const toggle = (c: Column<R>): void =>
    // Figures start with the largest, names with A.
    setSort(c.id === sort.id ? { id: c.id, desc: !sort.desc } : { id: c.id, desc: Boolean(c.numeric) });

  return (
    <div class="dash-table-wrap">
      <table class="dash-table" data-testid={testid}>
        <caption class="dash-sr">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.id}
                scope="col"
                class={c.numeric ? "is-num" : undefined}
                aria-sort={c.id === column.id ? (sort.desc ? "descending" : "ascending") : "none"}
              >
                <button type="button" class="dash-sort" title={c.hint ?? t.dashboard.sortBy(c.title)} data-testid={`sort-${c.id}`} onClick={() => toggle(c)}>
                  {c.title}
                  <span class="dash-sort-mark" aria-hidden="true">
                    {c.id === column.id ? (sort.desc ? "▼" : "▲") : ""}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {sorted.map((row) => (
            <tr key={row.key} data-testid={`${testid}-row`} data-key={row.key}>
              {columns.map((c, i) => {
                const raw = c.value(row);
                const cls = [c.numeric ? "is-num" : "", c.cellClass?.(row) ?? ""].filter(Boolean).join(" ");
                const props = { class: cls || undefined, "data-col": c.id, "data-value": raw === null ? "" : String(raw) };
                return i === 0 ? (
                  <th key={c.id} scope="row" {...props}>
                    {c.render(row)}
                  </th>
                ) : (
                  <td key={c.id} {...props}>
                    {c.render(row)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
