import { describeAdvice } from '../../domain/autonomy-advice.js';
import type { DashboardData } from './dashboard-data.js';
import { barChart, escapeHtml, intervalChart } from './svg-charts.js';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#f6f6f7}
header{background:#1f2a44;color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
header h1{font-size:18px;margin:0}
main{padding:16px 24px;display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
section{background:#fff;border:1px solid #e1e1e6;border-radius:8px;padding:12px 16px}
h2{font-size:15px;margin:0 0 8px}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{padding:3px 6px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}
.chart{width:100%;height:auto}
.bar{fill:#6b7fd7}.bar.live{fill:#1f9d55}.bar.dry{fill:#b0b7c3}.bar.cost{fill:#d98e04}
.grid{stroke:#ddd}.axis{font-size:10px;fill:#666}.ci{stroke:#6b7fd7;stroke-width:3}.dot{fill:#1f2a44}
.empty{color:#888}.advice li{margin-bottom:6px}.legend span{margin-right:12px}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
form{max-width:360px;margin:80px auto;background:#fff;padding:24px;border:1px solid #e1e1e6;border-radius:8px}
input{width:100%;padding:8px;margin:8px 0;box-sizing:border-box}.error{color:#b00020}
`;

/** Every response of the dashboard is one self-contained page: inline CSS, inline SVG, no script. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

export function loginPage(error: string | null): string {
  return page(
    'Scout dashboard: sign in',
    `<form method="post" action="/dashboard/login"><h2>Scout ops dashboard</h2>
<p>Enter the dashboard token (SCOUT_DASHBOARD_TOKEN).</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<input type="password" name="token" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form>`,
  );
}

const pct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 100)}%`);

export function dashboardPage(d: DashboardData): string {
  const runs = d.runs;
  const live = runs.filter((r) => r.mode === 'live').length;
  const runBars = runs.map((r) => ({
    label: r.startedAt.toISOString().slice(5, 16).replace('T', ' '),
    value: r.total === 0 ? 0 : Math.round((r.scanned / r.total) * 100),
    tone: r.mode === 'live' ? 'live' : 'dry',
    title: `${r.id.slice(0, 8)} ${r.kind} ${r.mode} ${r.status}: ${r.scanned} of ${r.total} deals`,
  }));
  const costBars = runs.map((r) => ({
    label: r.startedAt.toISOString().slice(5, 10),
    value: r.costUsd ?? 0,
    tone: 'cost',
    title: `${r.id.slice(0, 8)}: ${r.costUsd === null ? 'no price known for its model' : `$${r.costUsd.toFixed(3)}`}`,
  }));
  const fieldRows = d.stats.fields
    .filter((f) => f.decisions + f.counts.proposed + f.counts.auto_written + f.counts.suggested > 0)
    .map(
      (f) =>
        `<tr><td>${escapeHtml(f.field)}</td><td>${f.counts.proposed}</td><td>${f.counts.approved}</td><td>${f.counts.edited}</td><td>${f.counts.rejected}</td><td>${f.counts.expired + f.counts.stale}</td><td>${f.counts.auto_written + f.counts.suggested}</td><td>${f.counts.overturned}</td><td>${pct(f.approveAsIs.rate)}</td></tr>`,
    )
    .join('');
  const rates = d.stats.fields.map((f) => ({
    label: f.field,
    rate: f.approveAsIs.rate,
    low: f.approveAsIs.interval.low,
    high: f.approveAsIs.interval.high,
    n: f.decisions,
  }));
  const histogram = (field: string) =>
    barChart(
      [...(d.confidence.get(field) ?? new Map<string, number>())].map(([label, value]) => ({
        label,
        value,
      })),
    );
  const perField = [...d.confidence.keys()]
    .filter((f) => f !== '*')
    .sort()
    .map((f) => `<h3>${escapeHtml(f)}</h3>${histogram(f)}`)
    .join('');
  const advice =
    d.advice.advice.length === 0
      ? '<p class="empty">No advice: the evidence supports the policy as it is.</p>'
      : `<ul class="advice">${d.advice.advice.map((a) => `<li><strong>${escapeHtml(describeAdvice(a))}</strong><br>${escapeHtml(a.why)}</li>`).join('')}</ul>`;
  const waiting =
    d.advice.waiting.length === 0
      ? ''
      : `<p class="empty">Gathering evidence: ${d.advice.waiting.map((w) => escapeHtml(`${w.field} (${w.evidence} of ${w.needed})`)).join(', ')}</p>`;
  return page(
    'Scout ops dashboard',
    `<header><h1>Scout ops dashboard</h1><span>${escapeHtml(d.generatedAt.toISOString().slice(0, 19).replace('T', ' '))} UTC · <a href="/dashboard/logout" style="color:#fff">sign out</a></span></header><main>
<section id="runs"><h2>Runs over time: coverage (% of deals looked at)</h2>
<p class="legend"><span><i class="sw" style="background:#1f9d55"></i>live (${live})</span><span><i class="sw" style="background:#b0b7c3"></i>dry (${runs.length - live})</span></p>
${barChart(runBars, { unit: '%', max: 100 })}</section>
<section id="cost"><h2>Estimated model cost per run (USD)</h2>${barChart(costBars, { unit: '$' })}</section>
<section id="decisions"><h2>Decisions per field</h2><table><tr><th>field</th><th>proposed</th><th>as-is</th><th>edited</th><th>rejected</th><th>stale/expired</th><th>written</th><th>overturned</th><th>as-is rate</th></tr>${fieldRows || '<tr><td colspan="9" class="empty">No decisions yet.</td></tr>'}</table></section>
<section id="rates"><h2>Approve-as-is rate per field (95% Wilson interval)</h2>${intervalChart(rates)}</section>
<section id="confidence"><h2>Confidence of proposals (all fields)</h2>${histogram('*')}${perField ? `<details><summary>Per field</summary>${perField}</details>` : ''}</section>
<section id="pending"><h2>Age of pending proposals</h2>${barChart([...d.pendingAge].map(([label, value]) => ({ label, value })))}</section>
<section id="advice"><h2>Autonomy advice (never applied by Scout)</h2>${advice}${waiting}</section>
</main>`,
  );
}
