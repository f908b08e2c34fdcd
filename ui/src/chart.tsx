/**
 * A small stacked bar chart drawn as plain SVG: no chart library, and
 * nothing inline-styled (the UI's CSP forbids it), so series colours come
 * from CSS classes and geometry from SVG attributes. The chart is an image
 * for sighted users; the page puts the same numbers in a table beside it.
 */
import type { ReactNode } from 'react';

/** One series of the stack (an action), drawn with `className`'s fill. */
export interface ChartSeries {
  readonly key: string;
  readonly label: string;
  readonly className: string;
}

/** One bar: its axis label, a longer label for its tooltip, and a value per series key. */
export interface ChartBucket {
  readonly label: string;
  readonly title: string;
  readonly values: Readonly<Record<string, number>>;
}

export interface StackedBarChartProps {
  readonly title: string;
  readonly series: readonly ChartSeries[];
  readonly buckets: readonly ChartBucket[];
  /** Show every n-th bucket's label on the x axis, so labels do not overlap. */
  readonly labelEvery: number;
}

const WIDTH = 960;
const HEIGHT = 260;
const MARGIN = { top: 12, right: 12, bottom: 34, left: 44 } as const;
const TICKS = 4;

/** The smallest "round" number (1, 2 or 5 times a power of ten) at least `value`, so ticks read well. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Sum of a bucket's values over the chart's series. */
function bucketTotal(bucket: ChartBucket, series: readonly ChartSeries[]): number {
  return series.reduce((sum, s) => sum + (bucket.values[s.key] ?? 0), 0);
}

export function StackedBarChart({ title, series, buckets, labelEvery }: StackedBarChartProps): ReactNode {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const max = niceCeiling(Math.max(0, ...buckets.map((b) => bucketTotal(b, series))));
  // Whole messages only: with a small maximum the ticks would otherwise land on fractions.
  const tickStep = Math.max(1, Math.ceil(max / TICKS));
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += tickStep) ticks.push(t);
  const slot = buckets.length === 0 ? plotWidth : plotWidth / buckets.length;
  const barWidth = Math.max(1, slot * 0.8);
  const y = (value: number): number => MARGIN.top + plotHeight - (value / max) * plotHeight;

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title} preserveAspectRatio="xMidYMid meet">
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
        {buckets.map((bucket, i) => {
          const x = MARGIN.left + i * slot + (slot - barWidth) / 2;
          let base = 0;
          return (
            <g key={bucket.title}>
              {series.map((s) => {
                const value = bucket.values[s.key] ?? 0;
                if (value <= 0) return null;
                const top = y(base + value);
                const height = y(base) - top;
                base += value;
                return (
                  <rect key={s.key} className={s.className} x={x} y={top} width={barWidth} height={height}>
                    <title>{`${bucket.title}: ${value} ${s.label.toLowerCase()}`}</title>
                  </rect>
                );
              })}
              {i % labelEvery === 0 && (
                <text className="chart-label" x={x + barWidth / 2} y={HEIGHT - MARGIN.bottom + 16} textAnchor="middle">
                  {bucket.label}
                </text>
              )}
            </g>
          );
        })}
        <line className="chart-axis" x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(0)} y2={y(0)} />
      </svg>
      <figcaption>
        <ChartLegend label="Legend" series={series} />
      </figcaption>
    </figure>
  );
}

/** A chart's legend: a colour swatch per series; `children` adds further items (markers) after them. */
export function ChartLegend({ label, series, children }: { readonly label: string; readonly series: readonly ChartSeries[]; readonly children?: ReactNode }): ReactNode {
  return (
    <ul className="legend" aria-label={label}>
      {series.map((s) => (
        <li key={s.key}>
          <svg className="swatch" viewBox="0 0 10 10" aria-hidden="true">
            <rect className={s.className} width="10" height="10" />
          </svg>
          {s.label}
        </li>
      ))}
      {children}
    </ul>
  );
}
