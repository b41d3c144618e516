// The conversation list: pages by cursor, live upserts, status filter.
import * as api from "./api";
import { matchesFilter, upsertConversations } from "./model";
import { emptyList, getState, setState } from "./store";
import type { Conversation, StatusFilter } from "./types";

let request = 0;

function union(ids: number[], incoming: Conversation[]): number[] {
  const seen = new Set(ids);
  const added = incoming.filter((c) => !seen.has(c.id)).map((c) => c.id);
  return added.length ? ids.concat(added) : ids;
}

async function fetchPage(cursor: string | null, replace: boolean): Promise<void> {
  const token = ++request;
  const { filter } = getState().list;
  setState((s) => ({ list: { ...s.list, loading: true, error: null } }));
  try {
    const page = await api.listConversations(filter, cursor);
    if (token !== request) return;
    setState((s) => ({
      conversations: upsertConversations(s.conversations, page.items),
      list: {
        ...s.list,
        ids: union(replace ? [] : s.list.ids, page.items),
        // A refresh of the first page keeps the cursor of pages already loaded below it.
        next: cursor === null && s.list.loaded && !replace ? s.list.next : page.next,
        loading: false,
        loaded: true,
      },
    }));
  } catch (err) {
    if (token !== request) return;
    setState((s) => ({ list: { ...s.list, loading: false, error: api.errorBody(err) } }));
  }
}

export function setFilter(filter: StatusFilter): void {
  request++;
  setState({ list: { ...emptyList(filter), loading: true } });
  void fetchPage(null, true);
}

export function reloadList(): void {
  setFilter(getState().list.filter);
}

/** After a reconnect: whatever changed while we were away floats to the top. */
export function refreshFirstPage(): Promise<void> {
  return fetchPage(null, false);
}

export function loadMore(): void {
  const { list } = getState();
  if (list.next && !list.loading) void fetchPage(list.next, false);
}

/** A conversation from a live event or an ack. */
export function applyConversation(c: Conversation): void {
  setState((s) => {
    const conversations = upsertConversations(s.conversations, [c]);
    const fits = matchesFilter(conversations[c.id], s.list.filter);
    return { conversations, list: fits ? { ...s.list, ids: union(s.list.ids, [c]) } : s.list };
  });
}

export function setUnread(id: number, count: number): void {
  setState((s) => {
    const held = s.conversations[id];
    if (!held || held.unread_count === count) return {};
    return { conversations: { ...s.conversations, [id]: { ...held, unread_count: count } } };
  });
}
