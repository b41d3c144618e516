// Canned responses in the composer: "/sal" before the caret offers /salam; picking one puts
// its body in place of what was typed, with {nama}, {kode} and {opd} filled in. Pure.
import type { CannedResponse, Conversation } from "./types";

/** "/" then the shortcut typed so far, at the start of the text or after a space. */
const TOKEN = /(^|\s)\/([a-z0-9_-]*)$/i;

export interface CannedToken {
  /** Where the "/" is. */
  start: number;
  /** What follows it, lower case. */
  query: string;
}

export function cannedToken(text: string, caret: number): CannedToken | null {
  const match = TOKEN.exec(text.slice(0, caret));
  if (!match) return null;
  return { start: match.index + match[1].length, query: match[2].toLowerCase() };
}

/** Those for every OPD and for the case's OPD; an OPD's own wins over a city-wide one. */
export function cannedFor(list: CannedResponse[], opdId: number): CannedResponse[] {
  const byShortcut = new Map<string, CannedResponse>();
  for (const item of list) {
    if (item.opd_id !== null && item.opd_id !== opdId) continue;
    const held = byShortcut.get(item.shortcut);
    if (!held || held.opd_id === null) byShortcut.set(item.shortcut, item);
  }
  return Array.from(byShortcut.values()).sort((a, b) => a.shortcut.localeCompare(b.shortcut));
}

/** Shortcuts that start with the query first, then those that contain it. */
export function matching(list: CannedResponse[], query: string): CannedResponse[] {
  const starts = list.filter((c) => c.shortcut.startsWith(query));
  const contains = list.filter((c) => !c.shortcut.startsWith(query) && c.shortcut.includes(query));
  return starts.concat(contains);
}

export interface CannedValues {
  nama: string;
  kode: string;
  opd: string;
}

export function valuesOf(c: Conversation, residentFallback: string): CannedValues {
  // A hidden reporter (rahasia/anonim) comes without an id: never greet them by that label.
  const name = c.contact.id !== null ? c.contact.name?.trim() : "";
  return { nama: name || residentFallback, kode: c.tracking_code, opd: c.opd.name };
}

export function fillCanned(body: string, values: CannedValues): string {
  return body.replace(/\{(nama|kode|opd)\}/g, (_, name: keyof CannedValues) => values[name]);
}

/** The text with the "/query" token replaced by `body`, and where the caret goes after it. */
export function insertCanned(text: string, token: CannedToken, caret: number, body: string): { text: string; caret: number } {
  const before = text.slice(0, token.start);
  const after = text.slice(caret);
  return { text: before + body + after, caret: before.length + body.length };
}
