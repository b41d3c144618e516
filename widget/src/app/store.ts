import { useEffect, useState } from "preact/hooks";
import type { Lang } from "./i18n";
import type { AckError, Conversation, Message, Outgoing } from "./types";

export type ConnectionState = "connecting" | "connected" | "offline";

export interface State {
  open: boolean;
  lang: Lang;
  connection: ConnectionState;
  /** The hub refused this inbox for good (unknown or disabled). */
  refused: boolean;
  visitorId: string | null;
  conversation: Conversation | null;
  /** Stored messages, sorted by (conversation_id, seq). */
  messages: Message[];
  outgoing: Outgoing[];
  agentTyping: boolean;
  /** The last send error, until the next successful send or dismissal. */
  error: AckError | null;
  unread: number;
}

export class Store {
  private listeners = new Set<() => void>();

  constructor(public state: State) {}

  set(patch: Partial<State>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((listener) => listener());
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function useStore(store: Store): State {
  const [state, setState] = useState(store.state);
  useEffect(() => store.subscribe(() => setState(store.state)), [store]);
  return state;
}
