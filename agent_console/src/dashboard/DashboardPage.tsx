// The dashboard (/console/dashboard): response times per OPD and their breakdowns over a
// range, trends, and the live backlog. Supervisors see their OPD, coordinators every OPD;
// officers are told it is not for them (the report API refuses them too).
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";
import { useNow } from "../components/useNow";
import { useT } from "../i18n";
import { useStore } from "../store";
import type { Agent } from "../types";
import { cityToday, opds as listOpds, type Range } from "./api";
import { Breakdown } from "./Breakdown";
import { deviceToday, presetRange } from "./dates";
import { Downloads } from "./Downloads";
import { Filters } from "./Filters";
import { Leaderboard } from "./Leaderboard";
import { useLiveBacklog } from "./live";
import { LoadNote } from "./LoadNote";
import { closeDashboard, mayUseDashboard, replaceQuery } from "./route";
import { Trends } from "./Trends";
import { useLoaded, useReport } from "./useReport";
import { Wallboard } from "./Wallboard";
import { parseView, viewQuery, type View } from "./view";

export function DashboardPage() {
  const agent = useStore((s) => s.agent);
  return agent && mayUseDashboard(agent.role) ? <Dashboard agent={agent} /> : <NotForRole />;
}

function NotForRole() {
  const t = useT();
  return (
    <main class="dash dash-refused" data-testid="dashboard-not-for-role">
      <h1 class="dash-title">{t.dashboard.notForRole.title}</h1>
      <p>{t.dashboard.notForRole.body}</p>
      <button type="button" class="btn btn-primary" data-testid="dashboard-back" onClick={closeDashboard}>
        {t.dashboard.back}
      </button>
    </main>
  );
}

/** Today in the city; this device's today if the hub could not say (presets may then be a day off). */
async function today(): Promise<string> {
  try {
    return await cityToday();
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) throw err;
    return deviceToday();
  }
}

function Dashboard({ agent }: { agent: Agent }) {
  const t = useT();
  const isAdmin = agent.role === "admin";
  // Only a coordinator chooses the OPD; a supervisor's link names none.
  const [view, setView] = useState<View>(() => ({ ...parseView(location.search), ...(isAdmin ? {} : { opd: null }) }));
  const change = useCallback((patch: Partial<View>) => setView((v) => ({ ...v, ...patch })), []);
  const setFull = useCallback((wallboard: boolean) => change({ wallboard }), [change]);
  useEffect(() => replaceQuery(viewQuery(view)), [view]);

  const city = useLoaded(today);
  const opdList = useLoaded(isAdmin ? listOpds : null);
  const range: Range | null =
    view.range === "custom" && view.from && view.to
      ? { from: view.from, to: view.to }
      : city.data && view.range !== "custom"
        ? presetRange(view.range, city.data)
        : null;
  const opd = isAdmin ? view.opd : null;
  const report = useReport("opd", range, view.clock, opd);
  const refused = city.error?.code === "forbidden" || report.error?.code === "forbidden";
  const backlog = useLiveBacklog(opd, !refused);
  const now = useNow(30_000);

  if (refused) return <NotForRole />;

  return (
    // The range shown, as the report API's parameters (what a check compares against).
    <main class="dash" data-testid="dashboard" data-from={range?.from} data-to={range?.to} data-clock={view.clock}>
      <div class="dash-head">
        <h1 class="dash-title">{t.dashboard.title}</h1>
        <Downloads range={range} opd={opd} />
        <button type="button" class="btn btn-small dash-back" data-testid="dashboard-back" onClick={closeDashboard}>
          {t.dashboard.back}
        </button>
      </div>
      <Filters
        view={view}
        range={range}
        opds={isAdmin ? opdList.data : null}
        ownOpd={agent.opd?.name ?? null}
        onChange={change}
      />
      <div class="dash-grid">
        <div class="dash-main">
          <div class="dash-panel-slot" aria-busy={report.loading}>
            <LoadNote loaded={report} />
            {report.data && <Leaderboard report={report.data} backlog={backlog.data} clock={view.clock} now={now} />}
          </div>
          <Breakdown tab={view.tab} range={range} clock={view.clock} opd={opd} onTab={(tab) => change({ tab })} />
          <Trends period={view.period} range={range} clock={view.clock} opd={opd} onPeriod={(period) => change({ period })} />
        </div>
        <aside class="dash-side">
          <Wallboard backlog={backlog} full={view.wallboard} onFull={setFull} />
        </aside>
      </div>
    </main>
  );
}
