// The admin console (coordinators only): one tab per thing the city keeps.
import { useT } from "../i18n";
import { listOpds } from "./api";
import { AgentsTab } from "./AgentsTab";
import { AreasTab } from "./AreasTab";
import { CannedTab } from "./CannedTab";
import { CategoriesTab } from "./CategoriesTab";
import { HoursTab } from "./HoursTab";
import { InboxesTab } from "./InboxesTab";
import { OpdTab } from "./OpdTab";
import { closeAdmin, openAdmin, TABS, type AdminTab } from "./route";
import { LoadState, useLoad } from "./shared";
import { SlaTab } from "./SlaTab";

export function AdminPage({ tab }: { tab: AdminTab }) {
  const t = useT();
  const opds = useLoad(listOpds);

  return (
    <main class="admin" data-testid="admin-page">
      <div class="admin-head">
        <h1 class="admin-title">{t.admin.title}</h1>
        <button type="button" class="btn btn-small" data-testid="admin-back" onClick={closeAdmin}>
          {t.admin.back}
        </button>
      </div>
      <nav class="admin-tabs" role="tablist" aria-label={t.admin.title}>
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={name === tab}
            class={name === tab ? "admin-tab is-current" : "admin-tab"}
            data-testid={`admin-tab-${name}`}
            onClick={() => openAdmin(name)}
          >
            {t.admin.tabs[name]}
          </button>
        ))}
      </nav>
      <section class="admin-body" role="tabpanel" data-testid={`admin-panel-${tab}`}>
        <LoadState loaded={opds}>
          {(list) => {
            switch (tab) {
              case "opd":
                return <OpdTab opds={list} reload={opds.reload} />;
              case "agents":
                return <AgentsTab opds={list} />;
              case "inboxes":
                return <InboxesTab opds={list} />;
              case "categories":
                return <CategoriesTab opds={list} />;
              case "canned":
                return <CannedTab opds={list} />;
              case "hours":
                return <HoursTab opds={list} />;
              case "sla":
                return <SlaTab opds={list} />;
              case "areas":
                return <AreasTab />;
            }
          }}
        </LoadState>
      </section>
    </main>
  );
}
