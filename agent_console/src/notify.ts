// Telling the agent about new cases and residents' messages that concern them: a short
// beep (Web Audio, no files) and, while the tab is hidden, a browser notification.
// Settings are per agent, in localStorage; permission is asked only from the settings.
import { strings } from "./i18n";
import { contactName } from "./model";
import { getState } from "./store";
import type { Agent, Conversation, Message } from "./types";

export interface NotifySettings {
  sound: boolean;
  browser: boolean;
}

const DEFAULTS: NotifySettings = { sound: true, browser: false };
const listeners = new Set<() => void>();

export function settingsKey(agentId: number): string {
  return `kanal.console.notify.${agentId}`;
}

export function loadSettings(agentId: number): NotifySettings {
  try {
    const held = JSON.parse(localStorage.getItem(settingsKey(agentId)) ?? "null") as Partial<NotifySettings> | null;
    return {
      sound: typeof held?.sound === "boolean" ? held.sound : DEFAULTS.sound,
      browser: typeof held?.browser === "boolean" ? held.browser : DEFAULTS.browser,
    };
  } catch {
    return { ...DEFAULTS };
  }
}

export function saveSettings(agentId: number, settings: NotifySettings): void {
  try {
    localStorage.setItem(settingsKey(agentId), JSON.stringify(settings));
  } catch {
    // Storage may be disabled; the choice then lasts for this page.
  }
  listeners.forEach((listener) => listener());
}

export function onSettingsChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function notificationsSupported(): boolean {
  return typeof Notification !== "undefined";
}

/** Asked only when the agent turns browser notifications on. */
export async function askPermission(): Promise<NotificationPermission> {
  if (!notificationsSupported()) return "denied";
  if (Notification.permission !== "default") return Notification.permission;
  try {
    return await Notification.requestPermission();
  } catch {
    return "denied";
  }
}

/** Assigned to me, or unassigned in my OPD (an agent without an OPD: any unassigned case). */
export function concernsMe(c: Conversation, agent: Agent): boolean {
  if (c.assignee) return c.assignee.id === agent.id;
  return agent.opd === null || c.opd.id === agent.opd.id;
}

let audio: AudioContext | null = null;

/** A short two-tone beep, made on the spot. */
export function beep(): void {
  const Ctx = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctx) return;
  try {
    audio ??= new Ctx();
    if (audio.state === "suspended") void audio.resume().catch(() => undefined);
    const start = audio.currentTime;
    const gain = audio.createGain();
    gain.connect(audio.destination);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.3);
    const osc = audio.createOscillator();
    osc.type = "sine";
    osc.frequency.setValueAtTime(880, start);
    osc.frequency.setValueAtTime(1320, start + 0.12);
    osc.connect(gain);
    osc.start(start);
    osc.stop(start + 0.32);
  } catch {
    // No audio output (or the browser refused): nothing to tell.
  }
}

// Messages already announced: the hub sends a message again when its delivery, an edit
// or a reaction changes it.
const announced = new Set<number>();
const ANNOUNCED_MAX = 500;

/** A live message: announce it if it is a resident's and the case concerns this agent. */
export function announce(message: Message, conversation: Conversation): void {
  const { agent, lang } = getState();
  if (!agent || message.direction !== "in" || message.sender_type !== "contact" || message.private) return;
  if (announced.has(message.id)) return;
  announced.add(message.id);
  if (announced.size > ANNOUNCED_MAX) announced.delete(announced.values().next().value as number);
  if (!concernsMe(conversation, agent)) return;
  const settings = loadSettings(agent.id);
  if (settings.sound) beep();
  if (settings.browser && document.hidden && notificationsSupported() && Notification.permission === "granted") {
    const t = strings(lang);
    const isNew = message.seq === 1;
    const title = (isNew ? t.notify.newCase : t.notify.newMessage)(contactName(conversation, t.contactFallback), conversation.tracking_code);
    try {
      const note = new Notification(title, { body: message.text.slice(0, 140), tag: `kanal-${conversation.id}` });
      note.onclick = () => {
        window.focus();
        note.close();
      };
    } catch {
      // Some browsers allow notifications only from a service worker.
    }
  }
}
