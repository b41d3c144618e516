import { isLang, type Lang } from "./i18n";

export interface Config {
  inbox: string;
  inboxName: string | null;
  opdName: string | null;
  lang: Lang | null;
}

declare global {
  interface Window {
    KANAL_WIDGET?: unknown;
  }
}

const text = (value: unknown) => (typeof value === "string" && value ? value : null);

/** Reads the JSON the frame page puts in <script type="application/json" id="kanal-config">. */
export function readConfig(): Config {
  const element = document.getElementById("kanal-config");
  const raw = element ? JSON.parse(element.textContent || "{}") : window.KANAL_WIDGET;
  window.KANAL_WIDGET = raw;
  const inbox = text(raw?.inbox);
  if (!inbox) throw new Error("Kanal widget: no inbox in #kanal-config");
  return {
    inbox,
    inboxName: text(raw.inboxName),
    opdName: text(raw.opdName),
    lang: isLang(raw.lang) ? raw.lang : null,
  };
}
