import type { Strings } from "../i18n";
import { ChatIcon } from "./Icons";

export function Launcher({ t, unread, onOpen }: { t: Strings; unread: number; onOpen: () => void }) {
  const label = unread ? `${t.openChat} (${t.unread(unread)})` : t.openChat;
  return (
    <button type="button" class="kw-launcher" data-testid="kanal-launcher" aria-label={label} onClick={onOpen}>
      <ChatIcon />
      {unread > 0 && <span class="kw-badge" aria-hidden="true">{unread > 9 ? "9+" : unread}</span>}
    </button>
  );
}
