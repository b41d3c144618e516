// Loading a report for the current filters; an answer to filters already left is dropped.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorBody } from "../api";
import type { ErrorBody } from "../types";
import { responseTimes, type Group, type Range, type Report } from "./api";
import type { Clock } from "./view";

export interface Loaded<T> {
  /** The last answer (kept while the next loads, so the page does not flash). */
  data: T | null;
  loading: boolean;
  error: ErrorBody | null;
  reload: () => void;
}

export function useLoaded<T>(load: (() => Promise<T>) | null): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const latest = useRef(0);
  const reload = useCallback(() => {
    if (!load) return;
    const ticket = ++latest.current;
    setLoading(true);
    load().then(
      (answer) => {
        if (ticket !== latest.current) return;
        setData(answer);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (ticket !== latest.current) return;
        setError(errorBody(err));
        setLoading(false);
      },
    );
  }, [load]);
  useEffect(reload, [reload]);
  return { data, loading, error, reload };
}

export function useReport(group: Group, range: Range | null, clock: Clock, opd: string | null): Loaded<Report> {
  const from = range?.from;
  const to = range?.to;
  const load = useCallback(
    () => responseTimes(group, { from: from ?? "", to: to ?? "" }, clock, opd),
    [group, from, to, clock, opd],
  );
  return useLoaded(from && to ? load : null);
}
