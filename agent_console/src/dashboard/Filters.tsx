// The range (a preset or two dates), the OPD (coordinators only) and the clock.
import { useT } from "../i18n";
import type { Opd } from "../types";
import type { Range } from "./api";
import { dayLabel, isDay, PRESETS } from "./dates";
import type { Clock, View } from "./view";

const CLOCKS: Clock[] = ["business", "wall"];

export function Filters({
  view,
  range,
  opds,
  ownOpd,
  onChange,
}: {
  view: View;
  /** The days shown (null until the city's today is known). */
  range: Range | null;
  /** The OPDs to choose from (coordinators), null for one who sees only their own. */
  opds: Opd[] | null;
  ownOpd: string | null;
  onChange: (patch: Partial<View>) => void;
}) {
  const t = useT();
  const f = t.dashboard.filters;
  const setDay = (which: "from" | "to", value: string): void => {
    if (!range || !isDay(value)) return;
    const next = { ...range, [which]: value };
    // Dates the wrong way round: the other end follows.
    if (next.from > next.to) next[which === "from" ? "to" : "from"] = value;
    onChange({ range: "custom", ...next });
  };

  return (
    <div class="dash-filters" role="group" aria-label={f.label} data-testid="dashboard-filters">
      <div class="dash-filter">
        <span class="dash-filter-label" id="dash-range-label">
          {f.range}
        </span>
        <div class="dash-segmented" role="group" aria-labelledby="dash-range-label">
          {PRESETS.map((preset) => (
            <button
              key={preset}
              type="button"
              aria-pressed={view.range === preset}
              data-testid={`range-${preset}`}
              onClick={() => onChange({ range: preset, from: null, to: null })}
            >
              {f.presets[preset]}
            </button>
          ))}
        </div>
      </div>
      <label class="dash-filter">
        <span class="dash-filter-label">{f.from}</span>
        <input type="date" value={range?.from ?? ""} max={range?.to} data-testid="range-from" onChange={(e) => setDay("from", e.currentTarget.value)} />
      </label>
      <label class="dash-filter">
        <span class="dash-filter-label">{f.to}</span>
        <input type="date" value={range?.to ?? ""} min={range?.from} data-testid="range-to" onChange={(e) => setDay("to", e.currentTarget.value)} />
      </label>
      {opds ? (
        <label class="dash-filter">
          <span class="dash-filter-label">{f.opd}</span>
          <select value={view.opd ?? ""} data-testid="filter-opd" onChange={(e) => onChange({ opd: e.currentTarget.value || null })}>
            <option value="">{f.allOpds}</option>
            {opds.map((opd) => (
              <option key={opd.slug} value={opd.slug}>
                {opd.name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <div class="dash-filter">
          <span class="dash-filter-label">{f.opd}</span>
          <span class="dash-filter-static" data-testid="filter-own-opd">
            {ownOpd}
          </span>
        </div>
      )}
      <div class="dash-filter">
        <span class="dash-filter-label" id="dash-clock-label">
          {f.clock}
        </span>
        <div class="dash-segmented" role="group" aria-labelledby="dash-clock-label">
          {CLOCKS.map((clock) => (
            <button
              key={clock}
              type="button"
              aria-pressed={view.clock === clock}
              title={f.clockHints[clock]}
              data-testid={`clock-${clock}`}
              onClick={() => onChange({ clock })}
            >
              {f.clocks[clock]}
            </button>
          ))}
        </div>
      </div>
      {range && (
        <p class="dash-range-shown" data-testid="range-shown" data-from={range.from} data-to={range.to}>
          {f.shown(dayLabel(range.from, t.dateLocale), dayLabel(range.to, t.dateLocale))} · {f.clockHints[view.clock]}
        </p>
      )}
    </div>
  );
}
