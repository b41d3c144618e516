// The current conversation kept in localStorage, so a reload shows it before sync answers.
import { readJSON, writeJSON } from "./storage";
import type { State, Store } from "./store";

type Saved = Pick<State, "visitorId" | "conversation" | "messages" | "outgoing">;

const KEEP = 200;
const historyKey = (inbox: string) => `kanal:history:${inbox}`;

export function loadHistory(inbox: string): Saved {
  const saved = readJSON<Partial<Saved>>(historyKey(inbox)) || {};
  return {
    visitorId: saved.visitorId || null,
    conversation: saved.conversation || null,
    messages: Array.isArray(saved.messages) ? saved.messages : [],
    outgoing: Array.isArray(saved.outgoing) ? saved.outgoing : [],
  };
}

/** Saves whenever the thread changes; typing, open and the like do not write. */
export function persistHistory(inbox: string, store: Store): void {
  let last: Saved | null = null;
  store.subscribe(() => {
    const { visitorId, conversation, messages, outgoing } = store.state;
    if (last && last.visitorId === visitorId && last.conversation === conversation &&
        last.messages === messages && last.outgoing === outgoing) return;
    last = { visitorId, conversation, messages, outgoing };
    writeJSON(historyKey(inbox), {
      visitorId,
      conversation,
      messages: messages.filter((m) => m.conversation_id === conversation?.id).slice(-KEEP),
      outgoing,
    });
  });
}
