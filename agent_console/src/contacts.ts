// Search over cases and the resident's profile (GET /api/v1/search, /api/v1/contacts/{id}).
import { request } from "./api";
import type { Conversation } from "./types";

export interface SearchHit {
  conversation: Conversation;
  /** The matching text, the matched words in [brackets]. */
  snippet: string;
  message_id: number | null;
}

export interface ContactProfile {
  contact: { id: number; name: string | null; phone: string | null; email: string | null; channels: string[] };
  cases: Conversation[];
}

export const SEARCH_MIN = 2;
export const SEARCH_DELAY_MS = 250;

export async function searchCases(q: string): Promise<SearchHit[]> {
  const params = new URLSearchParams({ q: q.slice(0, 200) });
  return (await request<{ items: SearchHit[] }>("GET", `/search?${params.toString()}`)).items;
}

export function getContact(id: number): Promise<ContactProfile> {
  return request("GET", `/contacts/${id}`);
}

export function mergeContact(id: number, into: number): Promise<{ contact_id: number; cases_moved: number }> {
  return request("POST", `/contacts/${id}/merge`, { into });
}

/** A snippet's parts: odd ones are the matched words (between [ and ]). */
export function snippetParts(snippet: string): string[] {
  return snippet.split(/\[([^\]]*)\]/);
}
