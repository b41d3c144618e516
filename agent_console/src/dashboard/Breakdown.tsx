// The same figures per agent, channel, category or kelurahan (one tab each).
import { label, useT } from "../i18n";
import type { Strings } from "../locales/id";
import type { Figures, Range } from "./api";
import { figureColumns, nameColumn, openColumn, type Row } from "./figures";
import { LoadNote } from "./LoadNote";
import { SortableTable } from "./SortableTable";
import { useReport } from "./useReport";
import { BREAKDOWNS, type Breakdown as Tab, type Clock } from "./view";

/** Our words for what the hub names in Indonesian or leaves unnamed. */
function rowLabel(item: Figures, tab: Tab, t: Strings): string {
  if (item.key === null) return label(t.dashboard.noneLabels, tab, item.label);
  if (tab === "channel") return label(t.dashboard.channels, String(item.key), item.label);
  return item.label;
}

export function Breakdown({
  tab,
  range,
  clock,
  opd,
  onTab,
}: {
  tab: Tab;
  range: Range | null;
  clock: Clock;
  opd: string | null;
  onTab: (tab: Tab) => void;
}) {
  const t = useT();
  const report = useReport(tab, range, clock, opd);
  const current = report.data?.group === tab ? report.data : null;
  const rows: Row[] = (current?.items ?? []).map((item) => ({
    key: String(item.key),
    label: rowLabel(item, tab, t),
    figures: item,
  }));
  return (
    <section class="dash-panel dash-breakdown" aria-labelledby="dash-breakdown-title">
      <h2 class="dash-h2" id="dash-breakdown-title">
        {t.dashboard.breakdown}
      </h2>
      <div class="dash-tabs" role="tablist" aria-label={t.dashboard.breakdown}>
        {BREAKDOWNS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={name === tab}
            class={name === tab ? "dash-tab is-current" : "dash-tab"}
            data-testid={`breakdown-tab-${name}`}
            onClick={() => onTab(name)}
          >
            {t.dashboard.breakdowns[name]}
          </button>
        ))}
      </div>
      <div role="tabpanel" data-testid={`breakdown-${tab}`} aria-busy={report.loading}>
        <LoadNote loaded={report} ready={current !== null} />
        {current &&
          (rows.length === 0 ? (
            <p class="dash-muted">{t.dashboard.empty}</p>
          ) : (
            <SortableTable
              key={tab}
              columns={[nameColumn<Row>(t.dashboard.breakdownColumn[tab]), ...figureColumns(t, clock, rows, [openColumn<Row>(t)])]}
              rows={rows}
              initial={{ id: "cases", desc: true }}
              caption={t.dashboard.breakdowns[tab]}
              testid="breakdown"
            />
          ))}
      </div>
    </section>
  );
}
