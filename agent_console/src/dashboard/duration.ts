// Durations of the reports. Office time counts only working hours, so a day of it means
// little: it is told in hours and minutes ("37 j 30 m"). On the wall clock a day is a day:
// "3 h 4 j" from 24 hours on.

export interface DurationUnits {
  day: string;
  hour: string;
  minute: string;
  /** Under half a minute, but not nothing. */
  underMinute: string;
}

export function formatDuration(seconds: number, withDays: boolean, u: DurationUnits): string {
  if (seconds > 0 && seconds < 30) return u.underMinute;
  const minutes = Math.round(Math.max(0, seconds) / 60);
  const days = withDays ? Math.floor(minutes / 1440) : 0;
  const hours = Math.floor((minutes - days * 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} ${u.day} ${hours} ${u.hour}` : `${days} ${u.day}`;
  if (hours > 0) return rest > 0 ? `${hours} ${u.hour} ${rest} ${u.minute}` : `${hours} ${u.hour}`;
  return `${rest} ${u.minute}`;
}
