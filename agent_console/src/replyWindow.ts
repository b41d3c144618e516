// The reply window of channels that have one (WhatsApp: 24 hours after the resident's last
// message) and the approved templates that are all an agent may send after it. Pure.
import type { Conversation, Template, TemplateChoice } from "./types";

/** With less than this left, the composer says when free replies stop. */
export const COUNTDOWN_MS = 2 * 60 * 60 * 1000;
const MINUTE = 60_000;
const PLACEHOLDER = /\{\{(\d+)\}\}/;

export interface WindowState {
  /** Free text is refused: only a template (or a private note) can be sent. */
  closed: boolean;
  /** Milliseconds until it closes, while it is open on a channel that has one. */
  left: number | null;
}

/**
 * Closed when the hub's closing time has passed, or when the hub refused a reply
 * (`window_closed`) since the resident last wrote: `refusedAt` is the conversation's
 * `last_inbound_at` at that refusal, so a new message from the resident opens it again
 * even if this computer's clock disagrees with the hub's.
 */
export function windowState(c: Conversation | undefined, now: number, refusedAt: string | undefined): WindowState {
  if (!c) return { closed: false, left: null };
  if (refusedAt !== undefined && refusedAt === (c.last_inbound_at ?? "")) return { closed: true, left: null };
  // A windowed channel where the resident has not written at all: nothing opened it.
  if (c.inbox.reply_window_seconds !== undefined && !c.last_inbound_at) return { closed: true, left: null };
  const closes = c.reply_window_closes_at ? Date.parse(c.reply_window_closes_at) : NaN;
  if (Number.isNaN(closes)) return { closed: false, left: null };
  return closes <= now ? { closed: true, left: null } : { closed: false, left: closes - now };
}

/** Whole hours and minutes, rounded up to the minute: 80 minutes and 10 s -> 1 h 21 m. */
export function hoursMinutes(ms: number): { hours: number; minutes: number } {
  const total = Math.max(1, Math.ceil(ms / MINUTE));
  return { hours: Math.floor(total / 60), minutes: total % 60 };
}

/** A piece of a template's body: plain text, or the place of parameter `slot` (1-based). */
export interface TemplatePart {
  text: string;
  slot?: number;
}

/** The body cut at its placeholders, each filled with its parameter (empty when not given). */
export function templateParts(body: string, parameters: string[]): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const placeholder = new RegExp(PLACEHOLDER.source, "g");
  let at = 0;
  let match: RegExpExecArray | null;
  while ((match = placeholder.exec(body)) !== null) {
    if (match.index > at) parts.push({ text: body.slice(at, match.index) });
    const slot = Number(match[1]);
    parts.push({ text: parameters[slot - 1] ?? "", slot });
    at = match.index + match[0].length;
  }
  if (at < body.length) parts.push({ text: body.slice(at) });
  return parts;
}

/** What the resident will read, as the hub renders it. */
export function renderTemplate(body: string, parameters: string[]): string {
  return templateParts(body, parameters)
    .map((p) => p.text)
    .join("");
}

/** The first parameter is usually the resident's name; the rest are for the agent to write. */
export function prefill(template: Template, contactName: string | null): string[] {
  return Array.from({ length: template.parameters }, (_, i) => (i === 0 ? contactName?.trim() ?? "" : ""));
}

export function choiceOf(template: Template, parameters: string[]): TemplateChoice {
  return { name: template.name, language: template.language, parameters: parameters.map((p) => p.trim()) };
}
