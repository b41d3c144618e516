// Cases and the median first response per day, week or month of the range.
import { useT } from "../i18n";
import type { Range } from "./api";
import { Chart } from "./Chart";
import { periodLabel, periodsBetween, type Period } from "./dates";
import { duration } from "./figures";
import { LoadNote } from "./LoadNote";
import { useReport } from "./useReport";
import type { Clock } from "./view";

const PERIODS: Period[] = ["day", "week", "month"];

export function Trends({
  period,
  range,
  clock,
  opd,
  onPeriod,
}: {
  period: Period;
  range: Range | null;
  clock: Clock;
  opd: string | null;
  onPeriod: (period: Period) => void;
}) {
  const t = useT();
  const tt = t.dashboard.trends;
  const report = useReport(period, range, clock, opd);
  const current = report.data?.group === period ? report.data : null;
  const byKey = new Map((current?.items ?? []).map((item) => [String(item.key), item]));
  const keys = current ? periodsBetween(current.from, current.to, period) : [];
  const labels = keys.map((key) => periodLabel(key, period, t.dateLocale, tt.weekPrefix));
  const clockName = t.dashboard.filters.clocks[clock];
  const hour = (value: number): string => `${value.toLocaleString(t.dateLocale, { maximumFractionDigits: 1 })} ${t.dashboard.units.hour}`;

  return (
    <section class="dash-panel dash-trends" aria-labelledby="dash-trends-title">
      <div class="dash-panel-head">
        <h2 class="dash-h2" id="dash-trends-title">
          {tt.title}
        </h2>
        <div class="dash-segmented" role="group" aria-label={tt.period}>
          {PERIODS.map((p) => (
            <button key={p} type="button" aria-pressed={p === period} data-testid={`trend-period-${p}`} onClick={() => onPeriod(p)}>
              {tt.periods[p]}
            </button>
          ))}
        </div>
      </div>
      <LoadNote loaded={report} ready={current !== null} />
      {current && (
        <div class="dash-charts">
          <Chart
            title={tt.cases}
            labels={labels}
            values={keys.map((key) => byKey.get(key)?.cases ?? 0)}
            kind="bars"
            series={tt.casesSeries}
            xName={tt.period}
            show={(v) => v.toLocaleString(t.dateLocale)}
            tick={(v) => v.toLocaleString(t.dateLocale)}
            whole
            empty={t.dashboard.empty}
            testid="trend-cases"
          />
          <Chart
            title={`${tt.firstMedian} (${clockName.toLowerCase()})`}
            labels={labels}
            values={keys.map((key) => {
              const seconds = byKey.get(key)?.first_response_median_s;
              return seconds === null || seconds === undefined ? null : seconds / 3600;
            })}
            kind="line"
            series={tt.firstSeries}
            xName={tt.period}
            show={(v) => duration(Math.round(v * 3600), clock, t)}
            tick={hour}
            empty={t.dashboard.empty}
            testid="trend-first-response"
          />
        </div>
      )}
    </section>
  );
}
