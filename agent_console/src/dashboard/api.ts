// The report API (docs/api.md, "Reports"): response times over a range, the backlog now.
import { request } from "../api";
import type { Opd } from "../types";
import { addDays, deviceToday } from "./dates";
import type { Clock } from "./view";

export type Group = "opd" | "agent" | "channel" | "category" | "kelurahan" | "day" | "week" | "month";

/** One group's figures; durations in seconds (office time unless clock is "wall"). */
export interface Figures {
  key: string | number | null;
  label: string;
  cases: number;
  responded: number;
  first_response_median_s: number | null;
  first_response_p90_s: number | null;
  resolution_median_s: number | null;
  within_sla_pct: number | null;
  open: number;
  csat_avg: number | null;
}

export interface Report {
  from: string;
  to: string;
  clock: Clock;
  group: Group;
  items: Figures[];
}

export interface BacklogItem {
  opd: { id: number; slug: string | null; name: string | null };
  open: number;
  unassigned: number;
  oldest_open_at: string | null;
  breaching: number;
}

export interface Backlog {
  at: string;
  items: BacklogItem[];
}

export interface Range {
  from: string;
  to: string;
}

function query(params: Record<string, string | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  return search.toString();
}

export function responseTimes(group: Group, range: Range, clock: Clock, opd: string | null): Promise<Report> {
  const params = { group, from: range.from, to: range.to, clock: clock === "wall" ? "wall" : null, opd };
  return request("GET", `/reports/response-times?${query(params)}`);
}

export function backlog(opd: string | null): Promise<Backlog> {
  return request("GET", `/reports/backlog?${query({ opd })}`);
}

export async function opds(): Promise<Opd[]> {
  return (await request<{ items: Opd[] }>("GET", "/opds")).items;
}

/**
 * Today in the city's time zone, which presets end on. The hub's report range ends there
 * when `to` is left out; a two-day report is the cheapest way to ask (and a 403 tells
 * that the dashboard is not for this agent).
 */
export async function cityToday(): Promise<string> {
  const params = { group: "month", from: addDays(deviceToday(), -2) };
  return (await request<Report>("GET", `/reports/response-times?${query(params)}`)).to;
}
