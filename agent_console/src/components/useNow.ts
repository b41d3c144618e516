import { useEffect, useState } from "preact/hooks";

/** The current time, refreshed every `everyMs` so relative times stay true. */
export function useNow(everyMs = 30000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
