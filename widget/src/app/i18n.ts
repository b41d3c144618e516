import { en } from "./locales/en";
import { id, type Strings } from "./locales/id";
import { readText, writeText } from "./storage";
import type { AckError } from "./types";

export type Lang = "id" | "en";
export type { Strings };

export const strings: Record<Lang, Strings> = { id, en };

const LANG_KEY = "kanal:lang";

export function isLang(value: unknown): value is Lang {
  return value === "id" || value === "en";
}

/** The page's configured language, else the resident's saved choice, else Indonesian. */
export function initialLang(configured: Lang | null): Lang {
  const saved = readText(LANG_KEY);
  return configured || (isLang(saved) ? saved : "id");
}

export function saveLang(lang: Lang): void {
  writeText(LANG_KEY, lang);
}

/** Always in the UI language: the server's own wording is for developers. */
export function errorText(t: Strings, error: AckError): string {
  const wait = error.code === "rate_limited" ? Math.ceil(error.retry_after ?? 0) : 0;
  if (wait > 0 && wait < 120) return t.errors.rate_limited_seconds.replace("{n}", String(wait));
  if (wait >= 120) return t.errors.rate_limited_minutes.replace("{n}", String(Math.ceil(wait / 60)));
  const errors: Record<string, string> = t.errors;
  return Object.prototype.hasOwnProperty.call(errors, error.code) ? errors[error.code] : errors.unknown;
}
