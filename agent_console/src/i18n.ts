// Language choice (persisted) and string lookup.
import { en } from "./locales/en";
import { id, type Strings } from "./locales/id";
import { useStore } from "./store";

export type Lang = "id" | "en";

const STORAGE_KEY = "kanal.console.lang";
const locales: Record<Lang, Strings> = { id, en };

export function storedLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "id";
  } catch {
    return "id";
  }
}

export function persistLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Storage may be disabled (private mode, policy); the choice then lasts for this page.
  }
  document.documentElement.lang = lang;
}

export function strings(lang: Lang): Strings {
  return locales[lang];
}

export function useT(): Strings {
  return strings(useStore((s) => s.lang));
}

/** A label from a string table keyed by a server-provided code. */
export function label(table: Record<string, string>, key: string, fallback?: string): string {
  return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : (fallback ?? key);
}

/** A translated error: our text for known codes, else the hub's own message. */
export function errorText(t: Strings, error: { code: string; message?: string } | null | undefined): string {
  if (!error) return "";
  return label(t.errors, error.code, error.message || t.errors.unknown);
}
