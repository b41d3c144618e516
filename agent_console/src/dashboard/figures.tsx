// How the report's figures are shown, and the columns the leaderboard and the breakdowns
// share. Each cell keeps the API's raw value in data-value, so what is shown can be checked
// against the report API.
import type { Strings } from "../locales/id";
import type { Figures } from "./api";
import { formatDuration } from "./duration";
import type { Column } from "./SortableTable";
import type { Clock } from "./view";

/** A table row: one group's figures (null for an OPD with open cases but none in the range). */
export interface Row {
  key: string;
  label: string;
  figures: Figures | null;
}

export function duration(seconds: number | null, clock: Clock, t: Strings): string {
  return seconds === null ? t.dashboard.none : formatDuration(seconds, clock === "wall", t.dashboard.units);
}

export function percent(pct: number | null, t: Strings): string {
  return pct === null ? t.dashboard.none : `${pct.toLocaleString(t.dateLocale, { maximumFractionDigits: 1 })}%`;
}

export function decimal(value: number | null, t: Strings): string {
  return value === null ? t.dashboard.none : value.toLocaleString(t.dateLocale, { maximumFractionDigits: 2 });
}

export function count(value: number, t: Strings): string {
  return value.toLocaleString(t.dateLocale);
}

/** The colour step of a share answered on time: good, fair, poor, bad. */
export function slaLevel(pct: number | null): string {
  if (pct === null) return "none";
  if (pct >= 90) return "good";
  if (pct >= 75) return "fair";
  if (pct >= 50) return "poor";
  return "bad";
}

/** The lowest share on time among the rows (null with fewer than two to compare). */
export function worstPct(rows: Row[]): number | null {
  const shares = rows.map((r) => r.figures?.within_sla_pct ?? null).filter((p): p is number => p !== null);
  return shares.length > 1 ? Math.min(...shares) : null;
}

function figure<R extends Row>(
  id: string,
  title: string,
  value: (f: Figures) => number | null,
  show: (v: number | null) => string,
  hint?: string,
): Column<R> {
  const get = (row: R): number | null => (row.figures ? value(row.figures) : null);
  return { id, title, hint, numeric: true, value: get, render: (row) => show(get(row)) };
}

/** The row's name (OPD, agent, channel, ...), sorted A to Z. */
export function nameColumn<R extends Row>(title: string): Column<R> {
  return { id: "label", title, value: (row) => row.label, render: (row) => row.label };
}

/** Cases, first response (median, p90), resolution, % on time, then `more`, then satisfaction. */
export function figureColumns<R extends Row>(t: Strings, clock: Clock, rows: R[], more: Column<R>[]): Column<R>[] {
  const c = t.dashboard.columns;
  const h = t.dashboard.hints;
  const worst = worstPct(rows);
  const sla = figure<R>("within_sla_pct", c.withinSla, (f) => f.within_sla_pct, (v) => percent(v, t), h.withinSla);
  sla.cellClass = (row) => `dash-sla dash-sla-${slaLevel(row.figures?.within_sla_pct ?? null)}`;
  sla.render = (row) => {
    const pct = row.figures?.within_sla_pct ?? null;
    return (
      <>
        {percent(pct, t)}
        {pct !== null && pct === worst && <span class="dash-worst">{t.dashboard.worst}</span>}
      </>
    );
  };
  return [
    figure<R>("cases", c.cases, (f) => f.cases, (v) => count(v ?? 0, t)),
    figure<R>("first_response_median_s", c.firstMedian, (f) => f.first_response_median_s, (v) => duration(v, clock, t)),
    figure<R>("first_response_p90_s", c.firstP90, (f) => f.first_response_p90_s, (v) => duration(v, clock, t), h.firstP90),
    figure<R>("resolution_median_s", c.resolutionMedian, (f) => f.resolution_median_s, (v) => duration(v, clock, t)),
    sla,
    ...more,
    figure<R>("csat_avg", c.csat, (f) => f.csat_avg, (v) => decimal(v, t), h.csat),
  ];
}

/** The range's cases not resolved yet. */
export function openColumn<R extends Row>(t: Strings): Column<R> {
  return figure<R>("open", t.dashboard.columns.open, (f) => f.open, (v) => count(v ?? 0, t), t.dashboard.hints.open);
}
