// The open conversation lives in the URL (/console/c/42), so reload and back/forward keep it.
// The admin pages live under /console/admin/<tab> (admin/route.ts), the dashboard at
// /console/dashboard (dashboard/route.ts).
import { closeConversation, openConversation } from "./thread";

const PATH = /^(.*\/console)(?:\/c\/(\d+)|\/admin(?:\/([a-z-]+))?|\/(dashboard))?\/?$/;

/** Whether the URL is the dashboard's. */
export function dashboardInUrl(): boolean {
  return PATH.exec(location.pathname)?.[4] === "dashboard";
}

/** The admin tab the URL names, "" for /console/admin, null when not on an admin page. */
export function adminTabFromUrl(): string | null {
  const match = PATH.exec(location.pathname);
  if (!match || !/\/admin(\/|$)/.test(location.pathname.slice(match[1].length))) return null;
  return match[3] ?? "";
}

export function base(): string | null {
  return PATH.exec(location.pathname)?.[1] ?? null;
}

export function conversationFromUrl(): number | null {
  const id = PATH.exec(location.pathname)?.[2];
  return id ? Number(id) : null;
}

export function navigate(id: number | null): void {
  if (id === null) closeConversation();
  else openConversation(id);
  const root = base();
  const path = id === null ? root : `${root}/c/${id}`;
  if (root !== null && path !== null && location.pathname !== path) history.pushState(null, "", path);
}

export function resetUrl(): void {
  const root = base();
  if (root !== null && location.pathname !== root) history.replaceState(null, "", root);
}

export function followUrl(): void {
  const id = conversationFromUrl();
  if (id === null) closeConversation();
  else openConversation(id);
}
