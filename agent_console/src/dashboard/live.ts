// The backlog right now, kept fresh: fetched again shortly after a case moves (a new case,
// a message, a deadline alert on the agent socket) and every minute anyway.
import { useCallback, useEffect } from "preact/hooks";
import { watchEvents } from "../socket";
import { backlog, type Backlog } from "./api";
import { useLoaded, type Loaded } from "./useReport";

/** Events come in bursts (a message is also a conversation change): one fetch per burst. */
const GATHER_MS = 2000;
const EVERY_MS = 60_000;
const MOVES = new Set(["conversation", "message", "sla"]);

export function useLiveBacklog(opd: string | null, enabled: boolean): Loaded<Backlog> {
  const load = useCallback(() => backlog(opd), [opd]);
  const loaded = useLoaded(enabled ? load : null);
  const { reload } = loaded;
  useEffect(() => {
    if (!enabled) return undefined;
    let pending: ReturnType<typeof setTimeout> | undefined;
    const soon = (): void => {
      if (pending !== undefined) return;
      pending = setTimeout(() => {
        pending = undefined;
        reload();
      }, GATHER_MS);
    };
    const stop = watchEvents((name) => MOVES.has(name) && soon());
    const timer = setInterval(reload, EVERY_MS);
    return () => {
      stop();
      clearTimeout(pending);
      clearInterval(timer);
    };
  }, [enabled, reload]);
  return loaded;
}
