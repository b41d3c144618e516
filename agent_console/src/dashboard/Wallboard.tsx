// Right now, per OPD and in all: open cases, unassigned ones, those past a deadline. A
// compact panel on the dashboard, or the whole screen for a TV in the office (?wallboard=1).
import { useEffect } from "preact/hooks";
import { useT } from "../i18n";
import type { Backlog, BacklogItem } from "./api";
import { count } from "./figures";
import { LoadNote } from "./LoadNote";
import type { Loaded } from "./useReport";

function hms(iso: string): string {
  const at = new Date(iso);
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

function totals(items: BacklogItem[]): { open: number; unassigned: number; breaching: number } {
  return items.reduce(
    (sum, i) => ({ open: sum.open + i.open, unassigned: sum.unassigned + i.unassigned, breaching: sum.breaching + i.breaching }),
    { open: 0, unassigned: 0, breaching: 0 },
  );
}

export function Wallboard({ backlog, full, onFull }: { backlog: Loaded<Backlog>; full: boolean; onFull: (full: boolean) => void }) {
  const t = useT();
  const w = t.dashboard.wallboard;

  useEffect(() => {
    if (!full) return undefined;
    const escape = (e: KeyboardEvent): void => {
      if (e.key === "Escape") onFull(false);
    };
    // Leaving the browser's full screen (Esc, F11) leaves the TV screen too.
    const left = (): void => {
      if (!document.fullscreenElement) onFull(false);
    };
    window.addEventListener("keydown", escape);
    document.addEventListener("fullscreenchange", left);
    return () => {
      window.removeEventListener("keydown", escape);
      document.removeEventListener("fullscreenchange", left);
    };
  }, [full, onFull]);

  const toggle = (): void => {
    // The whole screen where the browser allows it; the page fills the window either way.
    if (!full) document.documentElement.requestFullscreen?.().catch(() => undefined);
    else if (document.fullscreenElement) document.exitFullscreen().catch(() => undefined);
    onFull(!full);
  };

  const data = backlog.data;
  const items = [...(data?.items ?? [])].sort((a, b) => b.open - a.open || (a.opd.name ?? "").localeCompare(b.opd.name ?? ""));
  const sum = totals(items);
  const tiles = [
    { id: "open", label: w.open, value: sum.open },
    { id: "unassigned", label: w.unassigned, value: sum.unassigned },
    { id: "breaching", label: w.breaching, value: sum.breaching },
  ];

  return (
    <section
      class={full ? "dash-wall is-full" : "dash-panel dash-wall"}
      aria-labelledby="dash-wall-title"
      data-testid={full ? "wallboard-full" : "wallboard"}
    >
      <div class="dash-panel-head">
        <h2 class="dash-h2" id="dash-wall-title">
          {w.title}
        </h2>
        {data && (
          <span class="dash-wall-updated" data-testid="wallboard-updated" data-at={data.at}>
            {w.updated(hms(data.at))}
          </span>
        )}
        <button
          type="button"
          class="btn btn-small dash-wall-toggle"
          data-testid={full ? "wallboard-exit" : "wallboard-open"}
          title={full ? undefined : w.fullscreenTitle}
          onClick={toggle}
        >
          {full ? w.exit : w.fullscreen}
        </button>
      </div>
      <LoadNote loaded={backlog} />
      {data && (
        <>
          <div class="dash-wall-totals" aria-label={w.total}>
            {tiles.map((tile) => (
              <div key={tile.id} class={`dash-tile dash-tile-${tile.id}${tile.value > 0 ? " is-some" : ""}`}>
                <span class="dash-tile-value" data-testid={`wallboard-total-${tile.id}`}>
                  {count(tile.value, t)}
                </span>
                <span class="dash-tile-label">{tile.label}</span>
              </div>
            ))}
          </div>
          {items.length === 0 ? (
            <p class="dash-muted">{w.empty}</p>
          ) : (
            <table class="dash-wall-table">
              <thead>
                <tr>
                  <th scope="col">{t.dashboard.columns.opd}</th>
                  <th scope="col" class="is-num">
                    {w.open}
                  </th>
                  <th scope="col" class="is-num">
                    {w.unassigned}
                  </th>
                  <th scope="col" class="is-num">
                    {w.breaching}
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.opd.id} data-testid="wallboard-row" data-key={item.opd.id} class={item.breaching > 0 ? "is-late" : undefined}>
                    <th scope="row">{item.opd.name ?? item.opd.id}</th>
                    <td class="is-num" data-col="open">
                      {count(item.open, t)}
                    </td>
                    <td class="is-num" data-col="unassigned">
                      {count(item.unassigned, t)}
                    </td>
                    <td class="is-num dash-wall-late" data-col="breaching">
                      {count(item.breaching, t)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
