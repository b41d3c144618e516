// The conversation list: pages by cursor, live upserts, status filter and queue.
import * as api from "./api";
import { matchesList, upsertConversations } from "./model";
import { emptyList, getState, setState } from "./store";
import type { Conversation, Queue, StatusFilter } from "./types";

let request = 0;

function union(ids: number[], incoming: Conversation[]): number[] {
  const seen = new Set(ids);
  const added = incoming.filter((c) => !seen.has(c.id)).map((c) => c.id);
  return added.length ? ids.concat(added) : ids;
}

async function fetchPage(cursor: string | null, replace: boolean): Promise<void> {
  const token = ++request;
  const { filter, queue } = getState().list;
  setState((s) => ({ list: { ...s.list, loading: true, error: null } }));
  try {
    const page = await api.listConversations(filter, cursor, 50, queue);
    if (token !== request) return;
    setState((s) => ({
      conversations: upsertConversations(s.conversations, page.items),
      list: {
        ...s.list,
        // The list was emptied when this fetch began (setFilter): what it holds now came
        // from live events meanwhile, newer than the page, and stays.
        ids: union(s.list.ids, page.items),
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

export function setFilter(filter: StatusFilter, queue: Queue = getState().list.queue): void {
  request++;
  setState({ list: { ...emptyList(filter, queue), loading: true } });
  void fetchPage(null, true);
}

export function setQueue(queue: Queue): void {
  storeQueue(queue);
  setFilter(getState().list.filter, queue);
}

export function reloadList(): void {
  setFilter(getState().list.filter);
}

const QUEUE_KEY = "kanal.console.queue";

/** The queue this agent last chose (triage only for a coordinator). */
export function storedQueue(role: string | undefined): Queue {
  let held: string | null = null;
  try {
    held = localStorage.getItem(QUEUE_KEY);
  } catch {
    // Storage may be disabled; every session then starts on "all".
  }
  if (held === "triage") return role === "admin" ? "triage" : "all";
  return held === "none" || held === "me" ? held : "all";
}

function storeQueue(queue: Queue): void {
  try {
    localStorage.setItem(QUEUE_KEY, queue);
  } catch {
    // The choice then lasts for this page.
  }
}

/** A case no longer ours (disposisi to another OPD, returned): out of the list and the store. */
export function dropConversation(id: number): void {
  setState((s) => {
    if (!s.conversations[id] && !s.list.ids.includes(id)) return {};
    const conversations = { ...s.conversations };
    delete conversations[id];
    return { conversations, list: { ...s.list, ids: s.list.ids.filter((held) => held !== id) } };
  });
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
    const fits = matchesList(conversations[c.id], s.list, s.agent?.id ?? null);
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
