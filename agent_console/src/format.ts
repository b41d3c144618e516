// Dates and times for the list and the thread, in the chosen language.
import type { Strings } from "./locales/id";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Compact age for the list: "baru saja", "5 mnt", "3 jam", "Kemarin", "12 Nov". */
export function relativeTime(iso: string | null, now: number, t: Strings): string {
  if (!iso) return "";
  const at = new Date(iso);
  const age = now - at.getTime();
  if (age < MINUTE) return t.time.justNow;
  if (age < HOUR) return t.time.minutes(Math.floor(age / MINUTE));
  const today = startOfDay(new Date(now));
  if (at.getTime() >= today) return t.time.hours(Math.floor(age / HOUR));
  if (at.getTime() >= today - 24 * HOUR) return t.time.yesterday;
  const sameYear = at.getFullYear() === new Date(now).getFullYear();
  return at.toLocaleDateString(t.dateLocale, { day: "numeric", month: "short", year: sameYear ? undefined : "numeric" });
}

export function clockTime(iso: string, t: Strings): string {
  return new Date(iso).toLocaleTimeString(t.dateLocale, { hour: "2-digit", minute: "2-digit" });
}

export function fullDateTime(iso: string, t: Strings): string {
  return new Date(iso).toLocaleString(t.dateLocale, { dateStyle: "full", timeStyle: "short" } as Intl.DateTimeFormatOptions);
}

/** Heading of a day in the thread: "Hari ini", "Kemarin", "Senin, 23 November 2026". */
export function dayLabel(iso: string, now: number, t: Strings): string {
  const day = startOfDay(new Date(iso));
  const today = startOfDay(new Date(now));
  if (day === today) return t.time.today;
  if (day === today - 24 * HOUR) return t.time.yesterday;
  return new Date(iso).toLocaleDateString(t.dateLocale, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
}

export function dayKey(iso: string): number {
  return startOfDay(new Date(iso));
}

const SIZE_UNITS = ["B", "KB", "MB", "GB"];

/** A file size for people: "820 B", "14 KB", "1,5 MB" (decimal comma in Indonesian). */
export function fileSize(bytes: number, t: Strings): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toLocaleString(t.dateLocale, { maximumFractionDigits: digits })} ${SIZE_UNITS[unit]}`;
}

/** A duration in seconds as "0:07" or "12:40". */
export function clockDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
