// Start-up, sign in/out, and the wiring of live events into the store.
import * as api from "./api";
import { loadCatalog } from "./catalog";
import { applyConversation, refreshFirstPage, setFilter, storedQueue } from "./conversations";
import { caseRemoved } from "./desk";
import { persistLang, storedLang, type Lang } from "./i18n";
import { announce, announceDeadline } from "./notify";
import { conversationFromUrl, followUrl, resetUrl } from "./router";
import { dropConnection, reconnectNow, startSocket, stopSocket } from "./socket";
import { getState, initialState, noTyping, resetState, setState } from "./store";
import { acceptMessage, joinOpen, openConversation, readIfVisible } from "./thread";
import type { Agent, Conversation, Message, SlaAlert } from "./types";
import { applyTyping, applyViewers, stopTyping, type TypingEvent, type ViewersEvent } from "./typing";

const REFUSED_RETRY_MS = 3000;
let connectedOnce = false;

export async function boot(): Promise<void> {
  const lang = storedLang();
  persistLang(lang);
  resetState(initialState(lang));
  api.setUnauthorizedHandler(() => endSession("expired"));
  document.addEventListener("visibilitychange", readIfVisible);
  window.addEventListener("popstate", () => getState().phase === "console" && followUrl());
  window.addEventListener("online", reconnectNow);
  window.addEventListener("offline", () => {
    if (getState().phase === "console") setState({ connection: "offline" });
    dropConnection();
  });
  try {
    const agent = await api.me();
    if (agent) enterConsole(agent);
    else setState({ phase: "login" });
  } catch {
    setState({ phase: "login", loginNotice: "network" });
  }
}

export function enterConsole(agent: Agent): void {
  // Wide screens have room for the case details beside the thread.
  const detailsOpen = window.matchMedia("(min-width: 1200px)").matches;
  setState({ phase: "console", agent, loginNotice: null, connection: "connecting", detailsOpen });
  startLive();
  setFilter(getState().list.filter, storedQueue(agent.role));
  void loadCatalog();
  const id = conversationFromUrl();
  if (id !== null) openConversation(id);
}

export async function signOut(): Promise<void> {
  try {
    await api.logout();
  } catch {
    // The session is dropped locally either way.
  }
  endSession(null);
}

function endSession(notice: "expired" | null): void {
  if (getState().phase !== "console") return;
  stopTyping();
  stopSocket();
  resetUrl();
  resetState({ ...initialState(getState().lang), phase: "login", loginNotice: notice });
}

export function setLang(lang: Lang): void {
  persistLang(lang);
  setState({ lang });
}

function startLive(): void {
  connectedOnce = false;
  startSocket({
    connected(reconnect) {
      connectedOnce = true;
      setState({ connection: "connected" });
      void joinOpen();
      if (reconnect) void refreshFirstPage().then(readIfVisible);
      // Lists that failed at start (or changed while we were away) are fetched again.
      if (reconnect) void loadCatalog();
    },
    disconnected() {
      setState({ connection: connectedOnce ? "offline" : "connecting", typing: noTyping, viewers: [] });
    },
    refused() {
      void api.me().then(
        (agent) => (agent ? setTimeout(reconnectNow, REFUSED_RETRY_MS) : endSession("expired")),
        () => setTimeout(reconnectNow, REFUSED_RETRY_MS),
      );
    },
    event: onEvent,
  });
}

function onEvent(name: string, payload: unknown): void {
  switch (name) {
    case "hello":
      setState({ agent: (payload as { agent: Agent }).agent });
      break;
    case "message": {
      const { message, conversation } = payload as { message: Message; conversation: Conversation };
      applyConversation(conversation);
      acceptMessage(message, true);
      readIfVisible();
      announce(message, conversation);
      break;
    }
    case "conversation":
      applyConversation(payload as Conversation);
      readIfVisible();
      break;
    case "typing":
      applyTyping(payload as TypingEvent);
      break;
    case "conversation_removed":
      caseRemoved((payload as { conversation_id: number }).conversation_id);
      break;
    case "viewers":
      applyViewers(payload as ViewersEvent);
      break;
    case "sla": {
      const alert = payload as SlaAlert;
      applyConversation(alert.conversation);
      announceDeadline(alert);
      break;
    }
  }
}
