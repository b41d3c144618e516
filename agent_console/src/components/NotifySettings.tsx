import { useEffect, useRef, useState } from "preact/hooks";
import { useT } from "../i18n";
import { askPermission, beep, loadSettings, notificationsSupported, onSettingsChange, saveSettings, type NotifySettings } from "../notify";
import { useStore } from "../store";

/** The header's bell: sound and browser notifications, per agent. */
export function NotifySettingsButton() {
  const t = useT();
  const agentId = useStore((s) => s.agent?.id ?? null);
  const [open, setOpen] = useState(false);
  const [settings, setSettings] = useState<NotifySettings | null>(null);
  const [denied, setDenied] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (agentId === null) return undefined;
    setSettings(loadSettings(agentId));
    return onSettingsChange(() => setSettings(loadSettings(agentId)));
  }, [agentId]);

  useEffect(() => {
    if (!open) return undefined;
    const outside = (e: MouseEvent): void => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const escape = (e: KeyboardEvent): void => {
      if (e.key === "Escape") setOpen(false);
    };
    document.addEventListener("mousedown", outside);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("mousedown", outside);
      document.removeEventListener("keydown", escape);
    };
  }, [open]);

  if (agentId === null || settings === null) return null;
  const n = t.notify;

  function change(next: NotifySettings): void {
    if (agentId === null) return;
    setSettings(next);
    saveSettings(agentId, next);
  }

  async function toggleBrowser(on: boolean): Promise<void> {
    if (!settings) return;
    if (!on) return change({ ...settings, browser: false });
    const permission = await askPermission();
    setDenied(permission !== "granted");
    change({ ...settings, browser: permission === "granted" });
  }

  return (
    <div class="notify" ref={ref}>
      <button
        type="button"
        class="btn btn-small btn-ghost notify-button"
        data-testid="notify-settings"
        aria-expanded={open}
        aria-haspopup="true"
        title={n.title}
        onClick={() => setOpen(!open)}
      >
        <svg class="notify-icon" viewBox="0 0 24 24" aria-hidden="true">
          <path d="M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6zm-2 15a2 2 0 0 0 4 0" />
        </svg>
        <span class="sr-only">{n.title}</span>
      </button>
      {open && (
        <div class="notify-popover" role="dialog" aria-label={n.title} data-testid="notify-popover">
          <h4>{n.title}</h4>
          <p class="field-hint">{n.hint}</p>
          <label class="toggle toggle-plain">
            <input
              type="checkbox"
              data-testid="notify-sound"
              checked={settings.sound}
              onChange={(e) => {
                const on = e.currentTarget.checked;
                change({ ...settings, sound: on });
                if (on) beep();
              }}
            />
            <span>{n.sound}</span>
          </label>
          <label class="toggle toggle-plain">
            <input
              type="checkbox"
              data-testid="notify-browser"
              checked={settings.browser}
              disabled={!notificationsSupported()}
              onChange={(e) => void toggleBrowser(e.currentTarget.checked)}
            />
            <span>{n.browser}</span>
          </label>
          {!notificationsSupported() && <p class="field-hint">{n.unsupported}</p>}
          {denied && (
            <p class="field-hint form-error" role="alert" data-testid="notify-denied">
              {n.denied}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
