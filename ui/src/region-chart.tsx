/**
 * Region shares of a campaign (Americas, EMEA, APAC) as horizontal bars in
 * plain SVG, each labelled with its exact percentage (one decimal) and its
 * organization count, so the chart reads without the table and prints in
 * black and white. Colours come from CSS classes (the CSP forbids inline style).
 */
import type { ReactNode } from 'react';
import { formatShare, REGIONS, type RegionShare } from './campaign-types';

const WIDTH = 640;
const ROW = 34;
const LABEL = 90;
const VALUE = 190;

export interface RegionChartProps {
  readonly regions: readonly RegionShare[];
  /** Organizations hit whose country is not known: not in any share, said under the chart. */
  readonly unknown: number;
}

/** The three regions in fixed order, a missing one as 0 organizations and a 0 share. */
export function regionRows(regions: readonly RegionShare[]): RegionShare[] {
  return REGIONS.map((region) => regions.find((r) => r.region === region) ?? { region, organizations: 0, share: 0 });
}

export function RegionChart({ regions, unknown }: RegionChartProps): ReactNode {
  const rows = regionRows(regions);
  const plot = WIDTH - LABEL - VALUE;
  const height = rows.length * ROW + 8;
  const label = rows.map((r) => `${r.region} ${formatShare(r.share)} (${r.organizations})`).join(', ');
  return (
    <figure className="chart region-chart">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`Region shares: ${label}`} preserveAspectRatio="xMinYMin meet">
        {rows.map((r, i) => {
          const y = 4 + i * ROW;
          const width = Math.max(0, Math.min(1, r.share)) * plot;
          return (
            <g key={r.region} className="region-row" data-region={r.region}>
              <text className="chart-text" x={0} y={y + ROW / 2 + 4}>
                {r.region}
              </text>
              <rect className="region-track" x={LABEL} y={y + 6} width={plot} height={ROW - 12} />
              {width > 0 && <rect className={`region-bar region-${r.region.toLowerCase()}`} x={LABEL} y={y + 6} width={width} height={ROW - 12} />}
              <text className="chart-text region-value" x={LABEL + plot + 8} y={y + ROW / 2 + 4}>
                {`${formatShare(r.share)} · ${r.organizations} ${r.organizations === 1 ? 'organization' : 'organizations'}`}
              </text>
            </g>
          );
        })}
      </svg>
      {unknown > 0 && (
        <figcaption className="muted">
          {unknown} {unknown === 1 ? 'organization has' : 'organizations have'} no known country and {unknown === 1 ? 'is' : 'are'} not in the shares.
        </figcaption>
      )}
    </figure>
  );
}
