/**
 * A dependency-free SVG plot of latency distributions: one empirical CDF line per series,
 * with p50 and p95 marked, so a reader sees the whole distribution, not two numbers.
 */
export interface LatencySeries {
  readonly name: string;
  /** Milliseconds. */
  readonly values: readonly number[];
  readonly target?: { readonly p50?: number; readonly p95?: number };
}

const WIDTH = 760;
const HEIGHT = 420;
const MARGIN = { left: 64, right: 24, top: 40, bottom: 56 };
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

export function latencyCdfSvg(title: string, series: readonly LatencySeries[]): string {
  const all = series.flatMap((s) => s.values);
  const xMax = niceMax(Math.max(1, ...all) * 1.05);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (ms: number): number => MARGIN.left + (ms / xMax) * plotW;
  const y = (fraction: number): number => MARGIN.top + (1 - fraction) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const ms = (xMax * i) / 5;
    parts.push(`<line x1="${x(ms)}" y1="${y(0)}" x2="${x(ms)}" y2="${y(1)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x(ms)}" y="${y(0) + 18}" text-anchor="middle">${Math.round(ms)}</text>`);
    const f = i / 5;
    parts.push(`<line x1="${x(0)}" y1="${y(f)}" x2="${x(xMax)}" y2="${y(f)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x(0) - 8}" y="${y(f) + 4}" text-anchor="end">${Math.round(f * 100)}%</text>`);
  }
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">latency (ms)</text>`);
  parts.push(
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">share of utterances at or below</text>`,
  );
  series.forEach((s, index) => {
    const color = COLORS[index % COLORS.length]!;
    const sorted = [...s.values].sort((a, b) => a - b);
    if (sorted.length === 0) return;
    let path = `M ${x(0)} ${y(0)}`;
    sorted.forEach((v, i) => {
      path += ` L ${x(v)} ${y(i / sorted.length)} L ${x(v)} ${y((i + 1) / sorted.length)}`;
    });
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const [label, fraction] of [
      ['p50', 0.5],
      ['p95', 0.95],
    ] as const) {
      const value = sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
      parts.push(`<circle cx="${x(value)}" cy="${y(fraction)}" r="3.5" fill="${color}"/>`);
      parts.push(
        `<text x="${x(value) + 6}" y="${y(fraction) - 6}" fill="${color}">${label} ${Math.round(value)} ms</text>`,
      );
    }
    for (const [label, target] of Object.entries(s.target ?? {})) {
      parts.push(
        `<line x1="${x(target)}" y1="${y(0)}" x2="${x(target)}" y2="${y(1)}" stroke="${color}" stroke-dasharray="4 4"/>`,
      );
      parts.push(`<text x="${x(target) + 4}" y="${y(1) + 12}" fill="${color}" font-size="10">target ${label}</text>`);
    }
    const ly = MARGIN.top + 14 + index * 18;
    parts.push(`<rect x="${x(xMax) - 210}" y="${ly - 10}" width="12" height="12" fill="${color}"/>`);
    parts.push(`<text x="${x(xMax) - 192}" y="${ly}">${escapeXml(`${s.name} (n=${sorted.length})`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
