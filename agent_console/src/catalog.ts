// The lists agents pick from, loaded once per session (and again on demand): categories,
// canned responses, kecamatan/kelurahan, OPDs, inboxes and — for supervisors and
// coordinators — the colleagues a case can be given to. A list that fails stays null; the
// controls that need it then say so instead of offering nothing.
import * as desk from "./deskApi";
import { getState, setState } from "./store";
import type { Catalog, Conversation } from "./types";

type Key = keyof Catalog;

function put<K extends Key>(key: K, value: Catalog[K]): void {
  setState((s) => ({ catalog: { ...s.catalog, [key]: value } }));
}

async function fill<K extends Key>(key: K, load: () => Promise<NonNullable<Catalog[K]>>): Promise<void> {
  try {
    put(key, await load());
  } catch {
    // Left as it was: a later loadCatalog() (opening a dialog) tries again.
  }
}

export function canAssign(role: string | undefined): boolean {
  return role === "admin" || role === "supervisor";
}

/** Everything, or only the lists not loaded yet (`missingOnly`). */
export function loadCatalog(missingOnly = false): Promise<unknown> {
  const { agent, catalog } = getState();
  const isAdmin = agent?.role === "admin";
  const want = (key: Key): boolean => !missingOnly || catalog[key] === null;
  const jobs: Promise<void>[] = [];
  if (want("categories")) jobs.push(fill("categories", desk.categories));
  if (want("canned")) jobs.push(fill("canned", desk.cannedResponses));
  if (want("areas")) jobs.push(fill("areas", desk.areas));
  if (want("opds")) jobs.push(fill("opds", () => desk.opds(isAdmin)));
  if (want("inboxes")) jobs.push(fill("inboxes", desk.inboxes));
  if (canAssign(agent?.role) && want("agents")) jobs.push(fill("agents", () => desk.colleagues(isAdmin)));
  return Promise.all(jobs);
}

/** Who is online changes: the assignment menu asks again each time it opens. */
export function reloadColleagues(): Promise<void> {
  const { agent } = getState();
  if (!canAssign(agent?.role)) return Promise.resolve();
  return fill("agents", () => desk.colleagues(agent?.role === "admin"));
}

/** The category the case names, when the city's list has it. */
export function categoryOf(c: Conversation | undefined, catalog: Catalog) {
  if (!c?.category) return undefined;
  return catalog.categories?.find((k) => k.name === c.category);
}

export function opdName(catalog: Catalog, id: number): string {
  return catalog.opds?.find((o) => o.id === id)?.name ?? `OPD #${id}`;
}
