// Which admin tab is open: /console/admin/<tab>; back/forward and reload keep it.
import { useEffect, useReducer } from "preact/hooks";
import { adminTabFromUrl, base } from "../router";

export const TABS = ["opd", "agents", "inboxes", "categories", "canned", "hours", "sla", "areas"] as const;
export type AdminTab = (typeof TABS)[number];

const listeners = new Set<() => void>();

function go(path: string): void {
  if (location.pathname !== path) history.pushState(null, "", path);
  listeners.forEach((listener) => listener());
}

/** The open tab, or null on the conversation pages; re-renders when it changes. */
export function useAdminTab(): AdminTab | null {
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
  const tab = adminTabFromUrl();
  if (tab === null) return null;
  return (TABS as readonly string[]).includes(tab) ? (tab as AdminTab) : "opd";
}

export function openAdmin(tab: AdminTab = "opd"): void {
  go(`${base() ?? "/console"}/admin/${tab}`);
}

export function closeAdmin(): void {
  go(base() ?? "/console");
}
