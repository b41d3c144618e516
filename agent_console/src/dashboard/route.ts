// Whether the dashboard is open (/console/dashboard); its view lives in the query string
// (view.ts), so a link reproduces it. Back/forward and reload keep both.
import { useEffect, useReducer } from "preact/hooks";
import { base, dashboardInUrl } from "../router";

const listeners = new Set<() => void>();

/** Supervisors (their OPD) and coordinators (every OPD); not officers. */
export function mayUseDashboard(role: string | undefined): boolean {
  return role === "admin" || role === "supervisor";
}

function go(path: string): void {
  if (location.pathname + location.search !== path) history.pushState(null, "", path);
  listeners.forEach((listener) => listener());
}

/** True on the dashboard; re-renders when that changes. */
export function useDashboardRoute(): boolean {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const changed = (): void => rerender(0);
    listeners.add(changed);
    window.addEventListener("popstate", changed);
    return () => {
      listeners.delete(changed);
      window.removeEventListener("popstate", changed);
    };
  }, []);
  return dashboardInUrl();
}

export function openDashboard(): void {
  go(`${base() ?? "/console"}/dashboard`);
}

export function closeDashboard(): void {
  go(base() ?? "/console");
}

/** Put the view's query in the URL without a history entry per filter change. */
export function replaceQuery(query: string): void {
  const path = `${location.pathname}${query ? `?${query}` : ""}`;
  if (location.pathname + location.search !== path) history.replaceState(null, "", path);
}
