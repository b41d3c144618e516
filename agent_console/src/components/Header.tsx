import { useEffect, useState } from "preact/hooks";
import { closeAdmin, openAdmin, useAdminTab } from "../admin/route";
import { closeDashboard, mayUseDashboard, openDashboard, useDashboardRoute } from "../dashboard/route";
import { label, useT } from "../i18n";
import { signOut } from "../session";
import { reconnectNow } from "../socket";
import { useStore } from "../store";
import { LangToggle } from "./LangToggle";
import { NotifySettingsButton } from "./NotifySettings";

export function Header() {
  const t = useT();
  const agent = useStore((s) => s.agent);
  const connection = useStore((s) => s.connection);
  const adminTab = useAdminTab();
  const inDashboard = useDashboardRoute();
  return (
    <header class="topbar">
      <div class="brand">
        <span class="brand-mark" aria-hidden="true">K</span>
        <span class="brand-name">{t.appName}</span>
        <span class="brand-sub">{t.consoleTitle}</span>
      </div>
      <div class="topbar-right">
        <span class={`conn conn-${connection}`} data-testid="connection-status" data-state={connection} role="status">
          <span class="conn-dot" aria-hidden="true" />
          <span class="conn-label">{t.connection[connection]}</span>
        </span>
        {agent && (
          <span class="agent">
            <span class="agent-name" data-testid="agent-name">
              {agent.name}
            </span>
            <span class="agent-role">
              {label(t.header.roles, agent.role)}
              {agent.opd ? ` · ${agent.opd.name}` : ""}
            </span>
          </span>
        )}
        {mayUseDashboard(agent?.role) && (
          <button
            type="button"
            class={inDashboard ? "btn btn-small btn-primary" : "btn btn-small"}
            data-testid="dashboard-link"
            aria-pressed={inDashboard}
            title={t.dashboard.linkTitle}
            onClick={() => (inDashboard ? closeDashboard() : openDashboard())}
          >
            {t.dashboard.link}
          </button>
        )}
        {agent?.role === "admin" && (
          <button
            type="button"
            class={adminTab === null ? "btn btn-small" : "btn btn-small btn-primary"}
            data-testid="admin-link"
            aria-pressed={adminTab !== null}
            title={t.admin.openTitle}
            onClick={() => (adminTab === null ? openAdmin() : closeAdmin())}
          >
            {t.admin.open}
          </button>
        )}
        <NotifySettingsButton />
        <LangToggle />
        <button type="button" class="btn btn-ghost" data-testid="logout" onClick={() => void signOut()}>
          {t.header.logout}
        </button>
      </div>
    </header>
  );
}

// A first connection usually takes a moment; announcing it at once would only flash.
const CONNECTING_GRACE_MS = 2000;

export function ConnectionBanner() {
  const t = useT();
  const connection = useStore((s) => s.connection);
  const [graceOver, setGraceOver] = useState(false);
  useEffect(() => {
    if (connection !== "connecting") return undefined;
    setGraceOver(false);
    const timer = setTimeout(() => setGraceOver(true), CONNECTING_GRACE_MS);
    return () => clearTimeout(timer);
  }, [connection]);
  if (connection === "connected" || (connection === "connecting" && !graceOver)) return null;
  return (
    <div class={`banner banner-${connection}`} role="alert">
      <span>{connection === "offline" ? t.connection.offlineBanner : t.connection.connectingBanner}</span>
      {connection === "offline" && (
        <button type="button" class="btn btn-small" onClick={reconnectNow}>
          {t.connection.retryNow}
        </button>
      )}
    </div>
  );
}
