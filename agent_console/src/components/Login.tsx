import { useState } from "preact/hooks";
import * as api from "../api";
import { useT } from "../i18n";
import { enterConsole } from "../session";
import { useStore } from "../store";
import { LangToggle } from "./LangToggle";

type LoginError = "invalid" | "missing" | "network" | "failed" | "throttled";

export function Login() {
  const t = useT();
  const notice = useStore((s) => s.loginNotice);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<LoginError | null>(null);
  const [waitMinutes, setWaitMinutes] = useState(1);

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (busy) return;
    if (!email.trim() || !password) {
      setError("missing");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      enterConsole(await api.login(email.trim(), password));
    } catch (err) {
      const status = err instanceof api.ApiError ? err.status : 0;
      if (status === 429 && err instanceof api.ApiError) {
        setWaitMinutes(Math.max(1, Math.ceil((err.details.retry_after ?? 60) / 60)));
        setError("throttled");
      } else {
        setError(status === 401 || status === 400 ? "invalid" : status === 0 ? "network" : "failed");
      }
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <form class="login-card" onSubmit={submit} noValidate>
        <div class="login-top">
          <div class="brand">
            <span class="brand-mark" aria-hidden="true">K</span>
            <span class="brand-name">{t.appName}</span>
          </div>
          <LangToggle />
        </div>
        <h1 class="login-title">{t.login.title}</h1>
        <p class="login-subtitle">{t.login.subtitle}</p>
        {notice && !error && (
          <p class="login-notice" role="status" data-testid="login-notice">
            {t.login[notice]}
          </p>
        )}
        <label class="field">
          <span class="field-label">{t.login.email}</span>
          <input
            type="email"
            name="email"
            autoComplete="username"
            data-testid="login-email"
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            autoFocus
          />
        </label>
        <label class="field">
          <span class="field-label">{t.login.password}</span>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            data-testid="login-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="login-error" role="alert" data-testid="login-error">
            {error === "throttled" ? t.login.throttled.replace("{n}", String(waitMinutes)) : t.login[error]}
          </p>
        )}
        <button type="submit" class="btn btn-primary btn-block" data-testid="login-submit" disabled={busy}>
          {busy ? t.login.submitting : t.login.submit}
        </button>
      </form>
    </main>
  );
}
