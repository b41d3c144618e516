// English strings of deadlines (en.ts `sla`). Same keys as sla-id.ts.
import type { slaId } from "./sla-id";

export const slaEn: typeof slaId = {
  badge: {
    warning: "Due soon",
    breach: "Overdue",
  },
  due: {
    response: (when: string) => `Answer due by ${when}`,
    resolution: (when: string) => `Follow-up due by ${when}`,
  },
  done: {
    response: (when: string) => `answered ${when}`,
    resolution: (when: string) => `resolved ${when}`,
  },
  outcome: {
    ok: "",
    warning: "Due soon",
    breach: "Overdue",
    met: "On time",
    late: "Late",
    unanswered: "Not answered",
    none: "",
  },
  heading: "Deadlines",
  computing: "Working out the deadlines…",
  alert: {
    response: {
      warning: (code: string, when: string) => `Case ${code} must be answered by ${when}.`,
      breach: (code: string, when: string) => `Case ${code} missed its answer deadline (${when}).`,
    },
    resolution: {
      warning: (code: string, when: string) => `Case ${code} must be followed up by ${when}.`,
      breach: (code: string, when: string) => `Case ${code} missed its follow-up deadline (${when}).`,
    },
  },
  more: (n: number) => `+${n} more`,
  open: "Open",
  admin: {
    heading: "Service deadlines (SLA)",
    hint: "How long an OPD has to answer a case and to follow it up, counted from its arrival. The most specific policy applies: OPD and category, then OPD, then category in every OPD, then the whole city's, then the default.",
    defaultLine: (rule: string) => `Default for cases no policy covers: ${rule}. Changed in the config file ([sla] policy).`,
    opd: "OPD",
    wholeOrg: "Whole city",
    category: "Category",
    anyCategory: "Every category",
    rule: "Policy",
    custom: "Custom",
    response: "Answer",
    resolution: "Follow-up",
    amount: "Amount",
    unit: "Unit",
    units: {
      working_days: "working days",
      working_hours: "office hours",
      hours: "hours",
    },
    deadline: (amount: number, unit: string) => `${amount} ${amount === 1 ? unit.replace(/s$/, "") : unit}`,
    presets: {
      lapor: "SP4N-LAPOR!",
      "lapor-60": "SP4N-LAPOR! (60 days)",
      "1x24": "1×24 hours",
      "2x24": "2×24 hours",
      "3x24": "3×24 hours",
    },
    presetLine: (name: string, response: string, resolution: string) => `${name}: answer in ${response}, follow-up in ${resolution}`,
    submit: "Save policy",
    replaceHint: "A policy already set for the same OPD and category is replaced. Open cases get their new deadlines at once.",
    saved: "Policy saved; open cases' deadlines recomputed.",
    empty: "No policies yet: every case follows the default.",
    deleteConfirm: (who: string) => `Delete the policy of ${who}? Its cases go back to the more general policy.`,
  },
  hours: {
    scope: "Applies to",
    wholeOrg: "Whole city",
    note: "An OPD without its own office hours follows the city's. Deadlines in working days and office hours count these hours, without national holidays, cuti bersama and the city's days off.",
    followsOrg: "This OPD has no office hours of its own and follows the city's (shown below). Save to give it its own.",
    ownWeek: "This OPD has its own office hours.",
    followOrg: "Follow the city's hours",
    followOrgConfirm: "Remove this OPD's own office hours? It follows the city's hours again.",
  },
};
