// Calendar days as "YYYY-MM-DD" (the report API's): the range presets and the trend periods.
// Days are computed at UTC midnight so no time zone or daylight saving shifts them.

export const PRESETS = ["7d", "30d", "month", "last-month", "year"] as const;
export type Preset = (typeof PRESETS)[number];
export type Period = "day" | "week" | "month";

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function toDate(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

function toDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function isDay(value: string | null): value is string {
  return value !== null && DAY.test(value) && !Number.isNaN(toDate(value).getTime()) && toDay(toDate(value)) === value;
}

export function addDays(day: string, n: number): string {
  return toDay(new Date(toDate(day).getTime() + n * DAY_MS));
}

/** Today on this device's calendar. */
export function deviceToday(): string {
  const now = new Date();
  return toDay(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
}

/** The days a preset spans, ending on `today` (the city's). */
export function presetRange(preset: Preset, today: string): { from: string; to: string } {
  const month = today.slice(0, 8) + "01";
  switch (preset) {
    case "7d":
      return { from: addDays(today, -6), to: today };
    case "30d":
      return { from: addDays(today, -29), to: today };
    case "month":
      return { from: month, to: today };
    case "last-month": {
      const to = addDays(month, -1);
      return { from: to.slice(0, 8) + "01", to };
    }
    case "year":
      return { from: today.slice(0, 4) + "-01-01", to: today };
  }
}

/** The ISO week of a day, as the report API names it: "2026-W45". */
export function isoWeek(day: string): string {
  const date = toDate(day);
  const thursday = new Date(date.getTime() + (3 - ((date.getUTCDay() + 6) % 7)) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

export function periodOf(day: string, period: Period): string {
  if (period === "week") return isoWeek(day);
  return period === "month" ? day.slice(0, 7) : day;
}

/** Every period from `from` to `to`, in order, so quiet ones show as zero, not as a gap. */
export function periodsBetween(from: string, to: string, period: Period): string[] {
  const keys: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const key = periodOf(day, period);
    if (keys[keys.length - 1] !== key) keys.push(key);
  }
  return keys;
}

/** A period for an axis: "3 Nov", "Mg 45" / "W45", "Nov 2026". */
export function periodLabel(key: string, period: Period, locale: string, weekPrefix: string): string {
  if (period === "week") return `${weekPrefix}${Number(key.slice(6))}`;
  const options: Intl.DateTimeFormatOptions =
    period === "month" ? { month: "short", year: "numeric", timeZone: "UTC" } : { day: "numeric", month: "short", timeZone: "UTC" };
  return toDate(period === "month" ? `${key}-01` : key).toLocaleDateString(locale, options);
}

/** A range for people: "1 Nov 2026 – 24 Nov 2026". */
export function dayLabel(day: string, locale: string): string {
  return toDate(day).toLocaleDateString(locale, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}
