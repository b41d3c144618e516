import { useEffect } from "preact/hooks";
import { useT } from "../i18n";
import { useStore } from "../store";
import { ConversationList } from "./ConversationList";
import { ConnectionBanner, Header } from "./Header";
import { Thread } from "./Thread";

export function Console() {
  const t = useT();
  const hasThread = useStore((s) => s.openId !== null);
  const unread = useStore((s) => Object.values(s.conversations).reduce((sum, c) => sum + c.unread_count, 0));

  useEffect(() => {
    const title = `${t.appName} — ${t.consoleTitle}`;
    document.title = unread > 0 ? `(${unread}) ${title}` : title;
  }, [unread, t]);

  return (
    <div class={hasThread ? "console has-thread" : "console"}>
      <Header />
      <ConnectionBanner />
      <div class="panes">
        <ConversationList />
        <Thread />
      </div>
    </div>
  );
}
