// What the dashboard shows, read from and written to the URL's query string:
// ?range=7d|30d|month|last-month|year (or from=&to=), opd=slug, clock=wall, tab=, period=,
// wallboard=1. Defaults are left out, so the plain /console/dashboard is the usual view.
import { isDay, PRESETS, type Period, type Preset } from "./dates";

export type Clock = "business" | "wall";
export const BREAKDOWNS = ["agent", "channel", "category", "kelurahan"] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];
const PERIODS: readonly Period[] = ["day", "week", "month"];

export interface View {
  /** A preset, or "custom" with `from` and `to`. */
  range: Preset | "custom";
  from: string | null;
  to: string | null;
  /** One OPD's slug (admins), null for every OPD the agent sees. */
  opd: string | null;
  clock: Clock;
  tab: Breakdown;
  period: Period;
  wallboard: boolean;
}

export const DEFAULT_VIEW: View = {
  range: "30d",
  from: null,
  to: null,
  opd: null,
  clock: "business",
  tab: "agent",
  period: "day",
  wallboard: false,
};

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

export function parseView(search: string): View {
  const q = new URLSearchParams(search);
  const from = q.get("from");
  const to = q.get("to");
  const custom = isDay(from) && isDay(to) && from <= to;
  return {
    range: custom ? "custom" : oneOf(q.get("range"), PRESETS, DEFAULT_VIEW.range),
    from: custom ? from : null,
    to: custom ? to : null,
    opd: q.get("opd") || null,
    clock: q.get("clock") === "wall" ? "wall" : "business",
    tab: oneOf(q.get("tab"), BREAKDOWNS, DEFAULT_VIEW.tab),
    period: oneOf(q.get("period"), PERIODS, DEFAULT_VIEW.period),
    wallboard: q.get("wallboard") === "1",
  };
}

export function viewQuery(view: View): string {
  const q = new URLSearchParams();
  if (view.range === "custom" && view.from && view.to) {
    q.set("from", view.from);
    q.set("to", view.to);
  } else if (view.range !== DEFAULT_VIEW.range && view.range !== "custom") {
    q.set("range", view.range);
  }
  if (view.opd) q.set("opd", view.opd);
  if (view.clock !== DEFAULT_VIEW.clock) q.set("clock", view.clock);
  if (view.tab !== DEFAULT_VIEW.tab) q.set("tab", view.tab);
  if (view.period !== DEFAULT_VIEW.period) q.set("period", view.period);
  if (view.wallboard) q.set("wallboard", "1");
  return q.toString();
}
