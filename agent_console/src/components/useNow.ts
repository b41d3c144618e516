import { useEffect, useState } from "preact/hooks";

// Timers further out than this are clamped by browsers; the regular tick covers them.
const MAX_WAKE_MS = 2 ** 31 - 1;

/**
 * The current time, refreshed every `everyMs` so relative times stay true, and also right
 * at `wakeAt` (a deadline's warning or due time) so what depends on it changes on time.
 */
export function useNow(everyMs = 30000, wakeAt: number | null = null): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  useEffect(() => {
    if (wakeAt === null) return undefined;
    const wait = wakeAt - Date.now();
    if (wait > MAX_WAKE_MS) return undefined;
    const timer = setTimeout(() => setNow(Date.now()), Math.max(0, wait) + 50);
    return () => clearTimeout(timer);
  }, [wakeAt]);
  return now;
}
