// Business hours: per weekday, open or closed, from when to when.
import { useEffect, useState } from "preact/hooks";
import { useT } from "../i18n";
import { getHours, putHours, type BusinessDay } from "./api";
import { ErrorNote, LoadState, useAction, useLoad } from "./shared";

interface Day {
  open: boolean;
  opens: string;
  closes: string;
}

function week(days: BusinessDay[]): Day[] {
  return Array.from({ length: 7 }, (_, weekday) => {
    const found = days.find((d) => d.weekday === weekday);
    return found ? { open: true, opens: found.opens, closes: found.closes } : { open: false, opens: "08:00", closes: "16:00" };
  });
}

export function HoursTab() {
  const t = useT();
  const hours = useLoad(getHours);
  const [days, setDays] = useState<Day[]>(week([]));
  const [saved, setSaved] = useState(false);
  const action = useAction();

  useEffect(() => {
    if (hours.data) setDays(week(hours.data));
  }, [hours.data]);

  const edit = (weekday: number, change: Partial<Day>): void => {
    setSaved(false);
    setDays(days.map((d, i) => (i === weekday ? { ...d, ...change } : d)));
  };
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const open = days.flatMap((d, weekday) => (d.open ? [{ weekday, opens: d.opens, closes: d.closes }] : []));
    if (await action.run(async () => hours.set(await putHours(open)))) setSaved(true);
  };

  return (
    <div>
      <h2 class="admin-h2">{t.admin.hours.heading}</h2>
      <p class="admin-muted">{t.admin.hours.hint}</p>
      <LoadState loaded={hours}>
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
