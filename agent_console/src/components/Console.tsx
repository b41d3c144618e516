import { useEffect } from "preact/hooks";
import { AdminPage } from "../admin/AdminPage";
import { useAdminTab } from "../admin/route";
import { DashboardPage } from "../dashboard/DashboardPage";
import { useDashboardRoute } from "../dashboard/route";
import { useT } from "../i18n";
import { useStore } from "../store";
import { ConversationList } from "./ConversationList";
import { ConnectionBanner, Header } from "./Header";
import { Thread } from "./Thread";
import { Toast } from "./Toast";

export function Console() {
  const t = useT();
  const hasThread = useStore((s) => s.openId !== null);
  const unread = useStore((s) => Object.values(s.conversations).reduce((sum, c) => sum + c.unread_count, 0));
  const adminTab = useAdminTab();
  const isAdmin = useStore((s) => s.agent?.role === "admin");
  const inDashboard = useDashboardRoute();

  const inAdmin = isAdmin && adminTab !== null;

  useEffect(() => {
    const page = inAdmin ? t.admin.title : inDashboard ? t.dashboard.title : t.consoleTitle;
    const title = `${t.appName} — ${page}`;
    document.title = unread > 0 ? `(${unread}) ${title}` : title;
  }, [unread, t, inAdmin, inDashboard]);

  if (inDashboard) {
    return (
      <div class="console">
        <Header />
        <ConnectionBanner />
        <DashboardPage />
      </div>
    );
  }

  if (inAdmin) {
    return (
      <div class="console">
        <Header />
        <ConnectionBanner />
        <AdminPage tab={adminTab ?? "opd"} />
      </div>
    );
  }

  return (
    <div class={hasThread ? "console has-thread" : "console"}>
      <Header />
      <ConnectionBanner />
      <Toast />
      <div class="panes">
        <ConversationList />
        <Thread />
      </div>
    </div>
  );
}
