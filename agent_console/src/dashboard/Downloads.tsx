// Downloads of what the dashboard shows: the cases of the range as CSV or XLSX (one row per
// case, every timestamp and duration), and the printable monthly recap (docs/api.md).
import { useT } from "../i18n";
import type { Range } from "./api";

const API = "/api/v1";

function query(params: Record<string, string | null>): string {
  const found = Object.entries(params).filter((p): p is [string, string] => p[1] !== null);
  return new URLSearchParams(found).toString();
}

export function Downloads({ range, opd }: { range: Range | null; opd: string | null }) {
  const t = useT().dashboard.downloads;
  if (!range) return null;
  const cases = query({ from: range.from, to: range.to, opd });
  const recap = query({ month: range.to.slice(0, 7), opd });
  return (
    <nav class="dash-downloads" aria-label={t.label} data-testid="dashboard-downloads">
      <a class="btn btn-small" href={`${API}/exports/cases.csv?${cases}`} download data-testid="export-csv">
        {t.csv}
      </a>
      <a class="btn btn-small" href={`${API}/exports/cases.xlsx?${cases}`} download data-testid="export-xlsx">
        {t.xlsx}
      </a>
      <a class="btn btn-small" href={`/console/recap?${recap}`} target="_blank" rel="noopener" data-testid="recap-link">
        {t.recap}
      </a>
    </nav>
  );
}
