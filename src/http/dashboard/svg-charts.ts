/** Server-rendered SVG charts: no script, no CDN, nothing fetched by the browser. */

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** A CSS class for the bar's colour (live, dry, approved, rejected…). */
  readonly tone?: string;
  /** The tooltip; defaults to label and value. */
  readonly title?: string;
}

const W = 640;
const H = 180;
const PAD = { top: 10, right: 10, bottom: 34, left: 44 };

/** Vertical bars with a zero baseline, a max tick and every label under its bar (thinned when crowded). */
export function barChart(
  bars: readonly Bar[],
  options: { unit?: string; max?: number } = {},
): string {
  if (bars.length === 0) return '<p class="empty">No data yet.</p>';
  const max = options.max ?? Math.max(...bars.map((b) => b.value), 0);
  const top = max > 0 ? max : 1;
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const step = innerW / bars.length;
  const every = Math.ceil(bars.length / 12);
  const unit = options.unit ?? '';
  const rects = bars
    .map((b, i) => {
      const h = (Math.max(0, b.value) / top) * innerH;
      const x = PAD.left + i * step + step * 0.1;
      const y = PAD.top + innerH - h;
      const title = b.title ?? `${b.label}: ${fmt(b.value)}${unit}`;
      const label =
        i % every === 0
          ? `<text class="axis" x="${(x + step * 0.4).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle">${escapeHtml(b.label.slice(0, 12))}</text>`
          : '';
      return `<rect class="bar ${escapeHtml(b.tone ?? '')}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(step * 0.8).toFixed(1)}" height="${h.toFixed(1)}"><title>${escapeHtml(title)}</title></rect>${label}`;
    })
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" role="img" class="chart">
<line class="grid" x1="${PAD.left}" y1="${PAD.top + innerH}" x2="${W - PAD.right}" y2="${PAD.top + innerH}"/>
<text class="axis" x="${PAD.left - 6}" y="${PAD.top + 10}" text-anchor="end">${escapeHtml(`${fmt(max)}${unit}`)}</text>
<text class="axis" x="${PAD.left - 6}" y="${PAD.top + innerH}" text-anchor="end">0</text>
${rects}</svg>`;
}

/** A rate with its interval per row: a dot at the rate, a line across the 95 % interval. */
export function intervalChart(
  rows: readonly { label: string; rate: number | null; low: number; high: number; n: number }[],
): string {
  const shown = rows.filter((r) => r.rate !== null);
  if (shown.length === 0) return '<p class="empty">No decisions yet.</p>';
  const rowH = 22;
  const left = 170;
  const width = W - left - 60;
  const x = (v: number) => left + v * width;
  const body = shown
    .map((r, i) => {
      const y = 20 + i * rowH;
      return `<text class="axis" x="${left - 8}" y="${y + 4}" text-anchor="end">${escapeHtml(r.label.slice(0, 28))}</text>
<line class="ci" x1="${x(r.low).toFixed(1)}" y1="${y}" x2="${x(r.high).toFixed(1)}" y2="${y}"/>
<circle class="dot" cx="${x(r.rate ?? 0).toFixed(1)}" cy="${y}" r="4"><title>${escapeHtml(`${r.label}: ${pctText(r.rate ?? 0)} of ${r.n} (95% CI ${pctText(r.low)}–${pctText(r.high)})`)}</title></circle>
<text class="axis" x="${W - 52}" y="${y + 4}">${escapeHtml(`${pctText(r.rate ?? 0)} n=${r.n}`)}</text>`;
    })
    .join('\n');
  const h = 30 + shown.length * rowH;
  const ticks = [0, 0.5, 0.9, 1]
    .map(
      (t) =>
        `<line class="grid" x1="${x(t)}" y1="8" x2="${x(t)}" y2="${h - 14}"/><text class="axis" x="${x(t)}" y="${h - 2}" text-anchor="middle">${pctText(t)}</text>`,
    )
    .join('');
  return `<svg viewBox="0 0 ${W} ${h}" role="img" class="chart">${ticks}${body}</svg>`;
}

const pctText = (x: number) => `${Math.round(x * 100)}%`;

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return v < 1 ? v.toFixed(3) : v.toFixed(2);
}
