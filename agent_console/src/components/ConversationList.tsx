import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { loadMore, reloadList, setFilter, setQueue } from "../conversations";
import { fullDateTime, relativeTime } from "../format";
import { errorText, useT } from "../i18n";
import { byActivity, contactName, matchesList } from "../model";
import { navigate } from "../router";
import { nextChange } from "../sla";
import { useStore } from "../store";
import type { Conversation, Queue, StatusFilter } from "../types";
import { InboxLabel, StatusBadge } from "./Badges";
import { CaseBadges } from "./CaseBadges";
import { EntryForm } from "./EntryForm";
import { isSearching, SearchInput, SearchResults, useSearch } from "./SearchBox";
import { useNow } from "./useNow";

const FILTERS: StatusFilter[] = ["open", "pending", "resolved", "closed", "all"];
// Triage is the coordinator's: cases of city-wide channels wait there for an OPD.
const QUEUES: Queue[] = ["triage", "none", "me", "all"];
const QUEUE_IDS: Record<Queue, string> = { triage: "triage", none: "unassigned", me: "mine", all: "all" };

export function ConversationList() {
  const t = useT();
  const list = useStore((s) => s.list);
  const conversations = useStore((s) => s.conversations);
  const openId = useStore((s) => s.openId);
  const agentId = useStore((s) => s.agent?.id ?? null);
  const isCoordinator = useStore((s) => s.agent?.role === "admin");
  const [entryOpen, setEntryOpen] = useState(false);
  const [query, setQuery] = useState("");
  const search = useSearch(query);
  const searching = isSearching(query);

  const items = useMemo(
    () =>
      list.ids
        .map((id) => conversations[id])
        .filter((c): c is Conversation => c !== undefined && matchesList(c, list, agentId))
        .sort(byActivity),
    [list.ids, list.filter, list.queue, conversations, agentId],
  );
  // Ticks for the relative times, and right when a case's deadline badge changes.
  const now = useNow(30000, nextChange(items, Date.now()));
  const queues = QUEUES.filter((q) => q !== "triage" || isCoordinator);

  return (
    <aside class="sidebar" aria-label={t.list.title}>
      <div class="list-head list-head-search">
        <SearchInput value={query} onChange={setQuery} />
        <button
          type="button"
          class="btn btn-small btn-entry"
          data-testid="entry-button"
          onClick={() => setEntryOpen(true)}
        >
          + {t.desk.entry.button}
        </button>
      </div>
      {entryOpen && <EntryForm onClose={() => setEntryOpen(false)} />}
      {searching && (
        <div class="list-scroll">
          <SearchResults search={search} />
        </div>
      )}
      {!searching && (
        <>
          <nav class="queues" aria-label={t.desk.queues.label}>
            {queues.map((queue) => (
              <button
                key={queue}
                type="button"
                class={queue === list.queue ? "queue active" : "queue"}
                data-testid={`queue-tab-${QUEUE_IDS[queue]}`}
                data-queue={queue}
                aria-pressed={queue === list.queue}
                title={t.desk.queueHints[queue]}
                onClick={() => queue !== list.queue && setQueue(queue)}
              >
                {t.desk.queues[queue]}
              </button>
            ))}
          </nav>
          <nav class="filters" aria-label={t.list.filterLabel}>
            {FILTERS.map((filter) => (
              <button
                key={filter}
                type="button"
                class={filter === list.filter ? "filter active" : "filter"}
                data-testid="status-filter"
                data-status={filter}
                aria-pressed={filter === list.filter}
                onClick={() => filter !== list.filter && setFilter(filter)}
              >
                {t.status[filter]}
              </button>
            ))}
          </nav>
          <div class="list-scroll">
            <ul class="conv-list">
              {items.map((c) => (
                <ConversationItem key={c.id} conversation={c} active={c.id === openId} now={now} showStatus={list.filter === "all"} />
              ))}
            </ul>
            {list.loaded && !list.loading && !list.error && items.length === 0 && <p class="list-note">{t.list.empty}</p>}
            {list.loading && <p class="list-note">{t.list.loading}</p>}
            {list.error && (
              <div class="list-note list-error" role="alert">
                <p>
                  {t.list.error} {errorText(t, list.error)}
                </p>
                <button type="button" class="btn btn-small" onClick={list.loaded ? loadMore : reloadList}>
                  {t.list.retry}
                </button>
              </div>
            )}
            {list.next && !list.loading && !list.error && <LoadMore label={t.list.loadMore} />}
          </div>
        </>
      )}
    </aside>
  );
}

interface ItemProps {
  conversation: Conversation;
  active: boolean;
  now: number;
  showStatus: boolean;
}

function ConversationItem({ conversation: c, active, now, showStatus }: ItemProps) {
  const t = useT();
  const unread = c.unread_count > 0;
  const when = c.last_message_at ?? c.created_at;
  return (
    <li>
      <button
        type="button"
        class={`conv${active ? " active" : ""}${unread ? " unread" : ""}`}
        data-testid="conversation-item"
        data-conversation-id={c.id}
        data-tracking-code={c.tracking_code}
        aria-current={active ? "true" : undefined}
        onClick={() => navigate(c.id)}
      >
        <span class="conv-row">
          <span class="conv-name">{contactName(c, t.contactFallback)}</span>
          <time class="conv-time" dateTime={when} title={fullDateTime(when, t)}>
            {relativeTime(when, now, t)}
          </time>
        </span>
        <span class="conv-row">
          <span class="conv-preview" data-testid="conversation-preview">
            {c.last_message_preview ?? t.list.noPreview}
          </span>
          {unread && (
            <span class="unread-badge" data-testid="unread-badge" aria-label={t.list.unread(c.unread_count)}>
              {c.unread_count}
            </span>
          )}
        </span>
        <span class="conv-row conv-meta">
          <InboxLabel inbox={c.inbox} />
          <span class="conv-opd" title={c.opd.name}>
            {c.opd.name}
          </span>
          {showStatus && <StatusBadge status={c.status} />}
        </span>
        <CaseBadges conversation={c} now={now} />
      </button>
    </li>
  );
}

/** A button that also fires by itself when scrolled into view (infinite scroll). */
function LoadMore({ label }: { label: string }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === "undefined") return undefined;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadMore());
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return (
    <button ref={ref} type="button" class="btn btn-small load-more" data-testid="load-more" onClick={loadMore}>
      {label}
    </button>
  );
}
