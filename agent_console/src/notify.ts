// Telling the agent about new cases, residents' messages and deadlines that concern them:
// a short beep (Web Audio, no files) and, while the tab is hidden, a browser notification.
// Settings are per agent, in localStorage; permission is asked only from the settings.
import { showToast } from "./desk";
import { strings } from "./i18n";
import { contactName } from "./model";
import { navigate } from "./router";
import { dueTime } from "./sla";
import { getState } from "./store";
import type { Agent, Conversation, Message, SlaAlert } from "./types";

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

/** A deadline alert: a supervisor hears of every case of the OPD, others as for messages. */
export function deadlineConcernsMe(c: Conversation, agent: Agent): boolean {
  if (agent.role === "supervisor") return agent.opd === null || c.opd.id === agent.opd.id;
  return concernsMe(c, agent);
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
  if (settings.browser) {
    const t = strings(lang);
    const isNew = message.seq === 1;
    const title = (isNew ? t.notify.newCase : t.notify.newMessage)(contactName(conversation, t.contactFallback), conversation.tracking_code);
    notifyBrowser(title, message.text.slice(0, 140), `kanal-${conversation.id}`);
  }
}

/** While the tab is hidden, and only with the agent's leave; a click comes back to the console (and `open`s). */
function notifyBrowser(title: string, body: string, tag: string, open?: () => void): void {
  if (!document.hidden || !notificationsSupported() || Notification.permission !== "granted") return;
  try {
    const note = new Notification(title, { body, tag });
    note.onclick = () => {
      window.focus();
      open?.();
      note.close();
    };
  } catch {
    // Some browsers allow notifications only from a service worker.
  }
}

// A catch-up after an outage can bring many alerts at once: one beep for them.
const BEEP_GAP_MS = 2000;
let lastSlaBeep = 0;
const alerted = new Set<string>();

function urgency(alert: { kind: string; level: string }): number {
  return (alert.level === "breach" ? 2 : 0) + (alert.kind === "response" ? 1 : 0);
}

/** A live deadline alert ("sla"): a toast naming the case, a beep, a browser notification. */
export function announceDeadline(alert: SlaAlert): void {
  const { agent, lang, toast } = getState();
  const c = alert.conversation;
  const key = `${c.id}:${alert.kind}:${alert.level}:${alert.due_at}`;
  if (!agent || alerted.has(key) || !deadlineConcernsMe(c, agent)) return;
  alerted.add(key);
  if (alerted.size > ANNOUNCED_MAX) alerted.delete(alerted.values().next().value as string);
  // Alerts that come while one is on screen are counted; the most urgent one stays named.
  const held = toast?.sla;
  const next = { conversationId: c.id, trackingCode: c.tracking_code, kind: alert.kind, level: alert.level, dueAt: alert.due_at, more: 0 };
  const shown = held && urgency(held) > urgency(next) ? held : next;
  showToast("sla", { sla: { ...shown, more: held ? held.more + 1 : 0 } });
  const settings = loadSettings(agent.id);
  if (settings.sound && Date.now() - lastSlaBeep > BEEP_GAP_MS) {
    lastSlaBeep = Date.now();
    beep();
  }
  if (settings.browser) {
    const t = strings(lang);
    const title = t.sla.alert[alert.kind][alert.level](c.tracking_code, dueTime(alert.due_at, Date.now(), t));
    notifyBrowser(title, contactName(c, t.contactFallback), `kanal-sla-${c.id}-${alert.kind}`, () => navigate(c.id));
  }
}
