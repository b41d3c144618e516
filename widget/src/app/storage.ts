// localStorage that never throws: third-party frames may have storage blocked.

export function readText(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeText(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // full or blocked: the widget still works, it just forgets on reload
  }
}

export function readJSON<T>(key: string): T | null {
  try {
    return JSON.parse(readText(key) || "null") as T | null;
  } catch {
    return null;
  }
}

export function writeJSON(key: string, value: unknown): void {
  writeText(key, JSON.stringify(value));
}
