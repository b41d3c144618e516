// One application state, replaced (never mutated) on every change; components subscribe.
import { useEffect, useReducer, useRef } from "preact/hooks";
import type { Lang } from "./i18n";
import type { Agent, Catalog, ConnectionState, Conversation, DeadlineKind, ErrorBody, Message, Outgoing, Queue, StatusFilter } from "./types";

export interface ListState {
  filter: StatusFilter;
  /** Triage, unassigned, mine or all, on top of the status filter. */
  queue: Queue;
  /** Conversations shown under the filter: loaded pages plus live arrivals. */
  ids: number[];
  next: string | null;
  loading: boolean;
  loaded: boolean;
  error: ErrorBody | null;
}

export interface ThreadState {
  id: number;
  messages: Message[];
  loading: boolean;
  error: ErrorBody | null;
}

/** A short message over the console (a case that left for another OPD); `code` names it. */
export interface Toast {
  code: string;
  /** A deadline alert ("sla"): which case and deadline; `more` alerts came with it. */
  sla?: { conversationId: number; trackingCode: string; kind: DeadlineKind; level: "warning" | "breach"; dueAt: string; more: number };
}

export interface TypingState {
  contact: boolean;
  agent: string | null;
}

export interface State {
  phase: "booting" | "login" | "console";
  loginNotice: "expired" | "network" | null;
  agent: Agent | null;
  lang: Lang;
  connection: ConnectionState;
  conversations: Record<number, Conversation>;
  list: ListState;
  openId: number | null;
  thread: ThreadState | null;
  outgoing: Outgoing[];
  typing: TypingState;
  notice: ErrorBody | null;
  /** Conversations whose reply window the hub said was closed, with their `last_inbound_at` then. */
  refusedWindows: Record<number, string>;
  /** Categories, canned responses, areas, OPDs, inboxes, colleagues. */
  catalog: Catalog;
  /** Colleagues who have the open case on screen too (names). */
  viewers: string[];
  toast: Toast | null;
  /** The case details panel beside the thread. */
  detailsOpen: boolean;
}

export const emptyList = (filter: StatusFilter, queue: Queue = "all"): ListState => ({
  filter,
  queue,
  ids: [],
  next: null,
  loading: false,
  loaded: false,
  error: null,
});

export const noTyping: TypingState = { contact: false, agent: null };

export const emptyCatalog: Catalog = { categories: null, canned: null, areas: null, opds: null, inboxes: null, agents: null };

export function initialState(lang: Lang): State {
  return {
    phase: "booting",
    loginNotice: null,
    agent: null,
    lang,
    connection: "connecting",
    conversations: {},
    list: emptyList("open"),
    openId: null,
    thread: null,
    outgoing: [],
    typing: noTyping,
    notice: null,
    refusedWindows: {},
    catalog: emptyCatalog,
    viewers: [],
    toast: null,
    detailsOpen: false,
  };
}

let state: State = initialState("id");
const listeners = new Set<() => void>();

export function getState(): State {
  return state;
}

export function setState(patch: Partial<State> | ((s: State) => Partial<State>)): void {
  const changes = typeof patch === "function" ? patch(state) : patch;
  state = { ...state, ...changes };
  listeners.forEach((listener) => listener());
}

export function resetState(next: State): void {
  state = next;
  listeners.forEach((listener) => listener());
}

/** Re-renders the component when the selected slice changes (compared with Object.is). */
export function useStore<T>(selector: (s: State) => T): T {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const selected = selector(state);
  const latest = useRef({ selector, selected });
  latest.current = { selector, selected };
  useEffect(() => {
    const check = (): void => {
      if (!Object.is(latest.current.selector(state), latest.current.selected)) rerender(0);
    };
    listeners.add(check);
    check();
    return () => {
      listeners.delete(check);
    };
  }, []);
  return selected;
}
