// A case's deadlines as the console shows them: which one still applies, how near it is,
// and whether each was met. Pure rules over the hub's `sla` times (hub/views.py sla_view).
import { clockTime } from "./format";
import type { Strings } from "./locales/id";
import type { Conversation, DeadlineKind } from "./types";

/** ok: time left; warning: most of the time used ("Segera"); breach: past it. */
export type Level = "ok" | "warning" | "breach";
/** A deadline's state: running (a level); done in time or late; never answered; or ended
 * without being met or missed (closed unresolved). */
export type Outcome = Level | "met" | "late" | "unanswered" | "none";

export interface Deadline {
  kind: DeadlineKind;
  dueAt: string;
  warnAt: string;
}

const OPEN = new Set(["open", "pending"]);

export function isOpen(c: Conversation): boolean {
  return OPEN.has(c.status);
}

function deadline(c: Conversation, kind: DeadlineKind): Deadline | null {
  const sla = c.sla;
  if (!sla) return null;
  return kind === "response"
    ? { kind, dueAt: sla.response_due_at, warnAt: sla.response_warn_at }
    : { kind, dueAt: sla.resolution_due_at, warnAt: sla.resolution_warn_at };
}

export function levelAt(d: Deadline, now: number): Level {
  if (now >= Date.parse(d.dueAt)) return "breach";
  return now >= Date.parse(d.warnAt) ? "warning" : "ok";
}

const RANK: Record<Level, number> = { ok: 0, warning: 1, breach: 2 };

/**
 * The deadline that still applies to an open case, at its level: the answer's while nobody
 * has answered, then the follow-up's. (Unanswered, both run; the more urgent one shows,
 * which with any sane policy is the answer's.) Null for resolved and closed cases.
 */
export function pressingDeadline(c: Conversation, now: number): { deadline: Deadline; level: Level } | null {
  if (!isOpen(c)) return null;
  const running = (c.first_response_at ? ["resolution"] : ["response", "resolution"]) as DeadlineKind[];
  let best: { deadline: Deadline; level: Level } | null = null;
  for (const kind of running) {
    const d = deadline(c, kind);
    if (!d) continue;
    const level = levelAt(d, now);
    const better = !best || RANK[level] > RANK[best.level] || (RANK[level] === RANK[best.level] && Date.parse(d.dueAt) < Date.parse(best.deadline.dueAt));
    if (better) best = { deadline: d, level };
  }
  return best;
}

/** Both deadlines of a case for its details: when each is due and how it stands. */
export function deadlines(c: Conversation, now: number): { deadline: Deadline; outcome: Outcome; doneAt: string | null }[] {
  const found = [];
  for (const kind of ["response", "resolution"] as DeadlineKind[]) {
    const d = deadline(c, kind);
    if (d) found.push({ deadline: d, ...outcomeOf(c, d, now) });
  }
  return found;
}

function outcomeOf(c: Conversation, d: Deadline, now: number): { outcome: Outcome; doneAt: string | null } {
  const done = d.kind === "response" ? c.first_response_at : isOpen(c) ? null : c.resolved_at;
  if (done) return { outcome: Date.parse(done) <= Date.parse(d.dueAt) ? "met" : "late", doneAt: done };
  if (isOpen(c)) return { outcome: levelAt(d, now), doneAt: null };
  // Ended without a public answer to the resident, or closed without being resolved.
  return { outcome: d.kind === "response" ? "unanswered" : "none", doneAt: null };
}

/** The next moment a badge changes (a warning or due time still ahead), for a timer. */
export function nextChange(cases: Conversation[], now: number): number | null {
  let next: number | null = null;
  for (const c of cases) {
    if (!isOpen(c) || !c.sla) continue;
    for (const iso of [c.sla.response_warn_at, c.sla.response_due_at, c.sla.resolution_warn_at, c.sla.resolution_due_at]) {
      const at = Date.parse(iso);
      if (at > now && (next === null || at < next)) next = at;
    }
  }
  return next;
}

/** A deadline for people: "Sel 30 Des 16.00" (with the year when it is not this year's). */
export function dueTime(iso: string, now: number, t: Strings): string {
  const at = new Date(iso);
  const sameYear = at.getFullYear() === new Date(now).getFullYear();
  const day = new Intl.DateTimeFormat(t.dateLocale, { weekday: "short", day: "numeric", month: "short", year: sameYear ? undefined : "numeric" })
    .formatToParts(at)
    .filter((part) => part.type !== "literal")
    .map((part) => part.value)
    .join(" ");
  return `${day} ${clockTime(iso, t)}`;
}
