/**
 * A campaign's timeline: messages per day (UTC) as stacked bars, delivered
 * and blocked (anything else, such as a deferred or failed message, as
 * "other"), quiet days as gaps, peak days marked, and the first and last
 * sighting said under it. Plain SVG like chart.tsx, colours by CSS class.
 */
import type { ReactNode } from 'react';
import type { CampaignTimeline, TimelineDay } from './campaign-types';
import { ChartLegend, niceCeiling } from './chart';

const WIDTH = 960;
const HEIGHT = 260;
const MARGIN = { top: 22, right: 12, bottom: 34, left: 44 } as const;
const TICKS = 4;
const DAY_MS = 86_400_000;
/** Gap-filling stops here: a longer span is drawn from the days the API sent (one bar each), not a year of empty slots. */
const MAX_FILLED_DAYS = 366;

const SERIES = [
  { key: 'delivered', label: 'Delivered', className: 'series-deliver' },
  { key: 'blocked', label: 'Blocked', className: 'series-quarantine' },
  { key: 'other', label: 'Other', className: 'series-other' },
] as const;

type SeriesKey = (typeof SERIES)[number]['key'];

/** `YYYY-MM-DD` of a UTC time. */
function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** Every day from the first to the last one of `days`, quiet ones as zero, so gaps show as gaps. */
export function fillDays(days: readonly TimelineDay[]): TimelineDay[] {
  const sorted = [...days].sort((a, b) => a.day.localeCompare(b.day));
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) return [];
  const start = Date.parse(`${first.day.slice(0, 10)}T00:00:00Z`);
  const end = Date.parse(`${last.day.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end) || (end - start) / DAY_MS > MAX_FILLED_DAYS) return sorted;
  const byDay = new Map(sorted.map((d) => [d.day.slice(0, 10), d]));
  const filled: TimelineDay[] = [];
  for (let t = start; t <= end; t += DAY_MS) {
    const day = dayOf(t);
    filled.push(byDay.get(day) ?? { day, messages: 0, delivered: 0, blocked: 0 });
  }
  return filled;
}

function valueOf(day: TimelineDay, key: SeriesKey): number {
  if (key === 'other') return Math.max(0, day.messages - day.delivered - day.blocked);
  return day[key];
}

export function TimelineChart({ timeline }: { readonly timeline: CampaignTimeline }): ReactNode {
  const days = fillDays(timeline.days);
  const peaks = new Set(timeline.peaks.map((p) => p.day.slice(0, 10)));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const max = niceCeiling(Math.max(0, ...days.map((d) => d.messages)));
  const tickStep = Math.max(1, Math.ceil(max / TICKS));
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += tickStep) ticks.push(t);
  const slot = days.length === 0 ? plotWidth : plotWidth / days.length;
  const barWidth = Math.max(1, slot * 0.8);
  const labelEvery = Math.max(1, Math.ceil(days.length / 12));
  const y = (value: number): number => MARGIN.top + plotHeight - (value / max) * plotHeight;

  return (
    <figure className="chart timeline-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Messages per day from ${timeline.firstSeen.slice(0, 10)} to ${timeline.lastSeen.slice(0, 10)}`} preserveAspectRatio="xMidYMid meet">
        <g className="chart-grid">
          {ticks.map((t) => (
            <g key={t}>
              <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(t)} y2={y(t)} />
              <text x={MARGIN.left - 6} y={y(t) + 4} textAnchor="end">
                {t}
              </text>
            </g>
          ))}
        </g>
        {days.map((d, i) => {
          const x = MARGIN.left + i * slot + (slot - barWidth) / 2;
          const peak = peaks.has(d.day.slice(0, 10));
          let base = 0;
          return (
            <g key={d.day} className={peak ? 'timeline-day timeline-peak' : 'timeline-day'} data-day={d.day.slice(0, 10)}>
              {SERIES.map((s) => {
                const value = valueOf(d, s.key);
                if (value <= 0) return null;
                const top = y(base + value);
                const height = y(base) - top;
                base += value;
                return (
                  <rect key={s.key} className={`timeline-bar ${s.className}`} x={x} y={top} width={barWidth} height={height}>
                    <title>{`${d.day.slice(0, 10)}: ${value} ${s.label.toLowerCase()}`}</title>
                  </rect>
                );
              })}
              {peak && (
                <path className="peak-marker" d={`M ${x + barWidth / 2 - 5} ${y(d.messages) - 12} h 10 l -5 7 z`}>
                  <title>{`Peak ${d.day.slice(0, 10)}: ${d.messages} messages`}</title>
                </path>
              )}
              {i % labelEvery === 0 && (
                <text className="chart-label" x={x + barWidth / 2} y={HEIGHT - MARGIN.bottom + 16} textAnchor="middle">
                  {d.day.slice(5, 10)}
                </text>
              )}
            </g>
          );
        })}
        <line className="chart-axis" x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(0)} y2={y(0)} />
      </svg>
      <figcaption>
        <ChartLegend label="Timeline legend" series={SERIES}>
          <li>
            <svg className="swatch" viewBox="0 0 10 10" aria-hidden="true">
              <path className="peak-marker" d="M 0 1 h 10 l -5 8 z" />
            </svg>
            Peak day
          </li>
        </ChartLegend>
      </figcaption>
    </figure>
  );
}
