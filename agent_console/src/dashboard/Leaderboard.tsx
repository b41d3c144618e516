// The OPDs side by side: the range's response times with each OPD's backlog right now.
import { useT } from "../i18n";
import type { Strings } from "../locales/id";
import type { Backlog, BacklogItem, Report } from "./api";
import { count, duration, figureColumns, nameColumn, type Row } from "./figures";
import { SortableTable, type Column } from "./SortableTable";
import type { Clock } from "./view";

interface OpdRow extends Row {
  backlog: BacklogItem | null;
}

/** Every OPD in the report or with open cases now (its backlog may be older than the range). */
function merge(report: Report, backlog: Backlog | null): OpdRow[] {
  const rows = new Map<string, OpdRow>();
  for (const item of report.items) rows.set(String(item.key), { key: String(item.key), label: item.label, figures: item, backlog: null });
  for (const item of backlog?.items ?? []) {
    const key = String(item.opd.id);
    const row = rows.get(key);
    if (row) row.backlog = item;
    else rows.set(key, { key, label: item.opd.name ?? key, figures: null, backlog: item });
  }
  return [...rows.values()];
}

function ageSeconds(row: OpdRow, now: number): number | null {
  const oldest = row.backlog?.oldest_open_at;
  return oldest ? Math.max(0, Math.round((now - Date.parse(oldest)) / 1000)) : null;
}

function backlogColumns(t: Strings, now: number): Column<OpdRow>[] {
  const c = t.dashboard.columns;
  const h = t.dashboard.hints;
  return [
    {
      id: "backlog",
      title: c.backlog,
      hint: h.backlog,
      numeric: true,
      value: (row) => row.backlog?.open ?? 0,
      render: (row) => count(row.backlog?.open ?? 0, t),
    },
    {
      id: "oldest",
      title: c.oldest,
      hint: h.oldest,
      numeric: true,
      value: (row) => ageSeconds(row, now),
      render: (row) => duration(ageSeconds(row, now), "wall", t),
    },
  ];
}

export function Leaderboard({ report, backlog, clock, now }: { report: Report; backlog: Backlog | null; clock: Clock; now: number }) {
  const t = useT();
  const rows = merge(report, backlog);
  const columns = [nameColumn<OpdRow>(t.dashboard.columns.opd), ...figureColumns(t, clock, rows, backlogColumns(t, now))];
  return (
    <section class="dash-panel dash-leaderboard" aria-labelledby="dash-leaderboard-title">
      <h2 class="dash-h2" id="dash-leaderboard-title">
        {t.dashboard.leaderboard}
      </h2>
      {rows.length === 0 ? (
        <p class="dash-muted" data-testid="leaderboard-empty">
          {t.dashboard.empty}
        </p>
      ) : (
        <SortableTable columns={columns} rows={rows} initial={{ id: "cases", desc: true }} caption={t.dashboard.leaderboard} testid="leaderboard" />
      )}
    </section>
  );
}
