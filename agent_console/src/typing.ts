// Typing indicators: ours to the hub (throttled), theirs into the store (self-expiring);
// and which colleagues have the open case on screen too.
import { fire } from "./socket";
import { getState, noTyping, setState } from "./store";

const SEND_EVERY_MS = 2000;
const IDLE_AFTER_MS = 3000;
// A lost "typing: false" must not leave the indicator on forever.
const REMOTE_EXPIRES_MS = 10000;

let typingIn: number | null = null;
let lastSentAt = 0;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
let expireTimer: ReturnType<typeof setTimeout> | undefined;
let agentExpireTimer: ReturnType<typeof setTimeout> | undefined;

/** The agent pressed a key in the composer of conversation `id`. */
export function noteTyping(id: number): void {
  if (typingIn !== null && typingIn !== id) stopTyping();
  const now = Date.now();
  if (now - lastSentAt >= SEND_EVERY_MS) {
    fire("typing", { conversation_id: id, typing: true });
    lastSentAt = now;
    typingIn = id;
  }
  clearTimeout(idleTimer);
  idleTimer = setTimeout(stopTyping, IDLE_AFTER_MS);
}

export function stopTyping(): void {
  clearTimeout(idleTimer);
  if (typingIn !== null) fire("typing", { conversation_id: typingIn, typing: false });
  typingIn = null;
  lastSentAt = 0;
}

export interface TypingEvent {
  conversation_id: number;
  typing: boolean;
  who: "contact" | "agent";
  name?: string;
}

export function applyTyping(event: TypingEvent): void {
  const s = getState();
  if (event.conversation_id !== s.openId) return;
  if (event.who === "contact") {
    clearTimeout(expireTimer);
    if (event.typing) expireTimer = setTimeout(clearContactTyping, REMOTE_EXPIRES_MS);
    setState({ typing: { ...s.typing, contact: event.typing } });
  } else if (event.name && event.name !== s.agent?.name) {
    // The hub echoes our own typing to us; only colleagues are worth showing.
    clearTimeout(agentExpireTimer);
    if (event.typing) agentExpireTimer = setTimeout(clearAgentTyping, REMOTE_EXPIRES_MS);
    setState({ typing: { ...s.typing, agent: event.typing ? event.name : null } });
  }
}

function clearAgentTyping(): void {
  const { typing } = getState();
  if (typing.agent) setState({ typing: { ...typing, agent: null } });
}

/**
 * Who has a case open (`viewers`, to the sockets that joined it). The hub does not send it
 * yet: this is the shape the console expects when it does.
 */
export interface ViewersEvent {
  conversation_id: number;
  agents: { id: number; name: string }[];
}

export function applyViewers(event: ViewersEvent): void {
  const s = getState();
  if (event.conversation_id !== s.openId || !Array.isArray(event.agents)) return;
  const names = event.agents.filter((a) => a.id !== s.agent?.id).map((a) => a.name);
  setState({ viewers: names });
}

export function clearContactTyping(): void {
  clearTimeout(expireTimer);
  const { typing } = getState();
  if (typing.contact) setState({ typing: { ...typing, contact: false } });
}

export function resetTyping(): void {
  clearTimeout(expireTimer);
  clearTimeout(agentExpireTimer);
  setState({ typing: noTyping, viewers: [] });
}
