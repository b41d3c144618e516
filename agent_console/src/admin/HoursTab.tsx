// Business hours: per weekday, open or closed, from when to when; the whole city's week, or
// one OPD's own (an OPD without one follows the city's).
import { useCallback, useEffect, useState } from "preact/hooks";
import { useT } from "../i18n";
import { getHours, putHours, type AdminOpd, type BusinessDay } from "./api";
import { ErrorNote, LoadState, OpdSelect, useAction, useLoad } from "./shared";

interface Day {
  open: boolean;
  opens: string;
  closes: string;
}

interface Week {
  /** Whose week: null for the city's, else an OPD's slug. */
  opd: string | null;
  /** The OPD's own days (empty: it follows the city's). */
  own: BusinessDay[];
  /** What the form starts from: its own days, else the city's. */
  shown: BusinessDay[];
}

function week(days: BusinessDay[]): Day[] {
  return Array.from({ length: 7 }, (_, weekday) => {
    const found = days.find((d) => d.weekday === weekday);
    return found ? { open: true, opens: found.opens, closes: found.closes } : { open: false, opens: "08:00", closes: "16:00" };
  });
}

async function loadWeek(opd: string | null): Promise<Week> {
  const own = await getHours(opd);
  return { opd, own, shown: opd === null || own.length > 0 ? own : await getHours(null) };
}

export function HoursTab({ opds }: { opds: AdminOpd[] }) {
  const t = useT();
  const h = t.sla.hours;
  const [opdId, setOpdId] = useState<number | null>(null);
  const slug = opds.find((o) => o.id === opdId)?.slug ?? null;
  const hours = useLoad(useCallback(() => loadWeek(slug), [slug]));
  const [days, setDays] = useState<Day[]>(week([]));
  const [saved, setSaved] = useState(false);
  const action = useAction();

  useEffect(() => {
    if (hours.data) setDays(week(hours.data.shown));
  }, [hours.data]);

  const choose = (id: number | null): void => {
    setSaved(false);
    action.clear();
    setOpdId(id);
  };
  const edit = (weekday: number, change: Partial<Day>): void => {
    setSaved(false);
    setDays(days.map((d, i) => (i === weekday ? { ...d, ...change } : d)));
  };
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const open = days.flatMap((d, weekday) => (d.open ? [{ weekday, opens: d.opens, closes: d.closes }] : []));
    if (await action.run(async () => hours.set(await loadAfter(() => putHours(open, slug), slug)))) setSaved(true);
  };
  const followCity = async (): Promise<void> => {
    if (!window.confirm(h.followOrgConfirm)) return;
    if (await action.run(async () => hours.set(await loadAfter(() => putHours([], slug), slug)))) setSaved(true);
  };

  const current = hours.data && hours.data.opd === slug ? hours.data : null;
  return (
    <div>
      <h2 class="admin-h2">{t.admin.hours.heading}</h2>
      <p class="admin-muted">{t.admin.hours.hint}</p>
      <p class="admin-muted">{h.note}</p>
      <label class="admin-inline">
        <span class="admin-field-label">{h.scope}</span>
        <OpdSelect opds={opds} value={opdId} onChange={choose} none={h.wholeOrg} testid="hours-opd" label={h.scope} />
      </label>
      {current && slug !== null && (
        <p class="admin-muted" data-testid="hours-scope-note" data-own={current.own.length > 0 ? "true" : "false"}>
          {current.own.length > 0 ? h.ownWeek : h.followsOrg}{" "}
          {current.own.length > 0 && (
            <button type="button" class="btn btn-small" data-testid="hours-follow-org" disabled={action.busy} onClick={() => void followCity()}>
              {h.followOrg}
            </button>
          )}
        </p>
      )}
      <LoadState loaded={{ ...hours, data: current }}>
        {() => (
          <form onSubmit={save} data-testid="hours-form">
            <table class="admin-table admin-table-narrow">
              <thead>
                <tr>
                  <th />
                  <th>{t.admin.hours.open}</th>
                  <th>{t.admin.hours.opens}</th>
                  <th>{t.admin.hours.closes}</th>
                </tr>
              </thead>
              <tbody>
                {days.map((d, weekday) => (
                  <tr key={weekday} data-testid="hours-row" data-weekday={weekday}>
                    <th scope="row">{t.admin.hours.days[weekday]}</th>
                    <td>
                      <input type="checkbox" aria-label={t.admin.hours.open} checked={d.open} onChange={(e) => edit(weekday, { open: e.currentTarget.checked })} />
                    </td>
                    <td>
                      <input type="time" aria-label={t.admin.hours.opens} value={d.opens} disabled={!d.open} onInput={(e) => edit(weekday, { opens: e.currentTarget.value })} />
                    </td>
                    <td>
                      <input type="time" aria-label={t.admin.hours.closes} value={d.closes} disabled={!d.open} onInput={(e) => edit(weekday, { closes: e.currentTarget.value })} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button type="submit" class="btn btn-primary" disabled={action.busy} data-testid="hours-save">
              {t.admin.save}
            </button>{" "}
            {saved && (
              <span class="admin-ok" role="status">
                {t.admin.saved}
              </span>
            )}
            <ErrorNote error={action.error} />
          </form>
        )}
      </LoadState>
    </div>
  );
}

/** Save, then read the week as it now stands (an OPD left without days follows the city's). */
async function loadAfter(change: () => Promise<unknown>, opd: string | null): Promise<Week> {
  await change();
  return loadWeek(opd);
}
