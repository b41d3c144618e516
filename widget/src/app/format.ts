const pad = (n: number) => String(n).padStart(2, "0");

/** Local time as HH:MM. */
export function clock(iso: string): string {
  const date = new Date(iso);
  return isNaN(date.getTime()) ? "" : `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Local calendar day, for grouping messages under a date line. */
export function dayKey(iso: string): string {
  const date = new Date(iso);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

export function dayLabel(iso: string, locale: string, today: string): string {
  if (dayKey(iso) === dayKey(new Date().toISOString())) return today;
  return new Date(iso).toLocaleDateString(locale, { weekday: "long", day: "numeric", month: "long" });
}
