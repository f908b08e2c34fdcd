/**
 * A world map of a campaign's reach: every country drawn from Natural
 * Earth's 1:110m TopoJSON (world-atlas, bundled by Vite: no network), hit
 * countries shaded by how many organizations there were hit, with a legend.
 * Plain SVG paths (d3-geo's Natural Earth projection), colours from CSS
 * classes, a <title> per hit country. The page lists the same countries in
 * a table: the map is not the only carrier of the data. This module is
 * loaded on demand (it holds the atlas), see campaign-report.tsx.
 */
import { geoNaturalEarth1, geoPath } from 'd3-geo';
import type { FeatureCollection, Geometry } from 'geojson';
import { useMemo, type ReactNode } from 'react';
import { feature } from 'topojson-client';
import type { GeometryCollection } from 'topojson-specification';
import countries110m from 'world-atlas/countries-110m.json';
import type { CountryRow } from './campaign-types';

const WIDTH = 960;
const HEIGHT = 470;
/** Shading levels for hit countries (level 0 = not hit); four keep neighbours distinguishable in print. */
const LEVELS = 4;
/** Antarctica: never a mail recipient's country, and a third of the map's height. */
const ANTARCTICA = '010';

interface CountryShape {
  readonly id: string;
  readonly name: string;
  readonly d: string;
}

let shapes: readonly CountryShape[] | undefined;

/** The country outlines as SVG path data, projected once per page load. */
function countryShapes(): readonly CountryShape[] {
  if (shapes !== undefined) return shapes;
  // The atlas is our own bundled file; its `countries` object is a GeometryCollection of (Multi)Polygons.
  const collection = countries110m.objects['countries'] as GeometryCollection<{ name?: string }>;
  const all = feature(countries110m, collection) as FeatureCollection<Geometry, { name?: string } | null>;
  const land: FeatureCollection<Geometry, { name?: string } | null> = { type: 'FeatureCollection', features: all.features.filter((f) => String(f.id ?? '') !== ANTARCTICA) };
  const projection = geoNaturalEarth1().fitExtent(
    [
      [4, 4],
      [WIDTH - 4, HEIGHT - 4],
    ],
    land,
  );
  const path = geoPath(projection);
  shapes = land.features.map((f, i) => ({ id: f.id === undefined ? `x${i}` : String(f.id), name: f.properties?.name ?? '', d: path(f) ?? '' })).filter((s) => s.d !== '');
  return shapes;
}

/** The shading level (1..LEVELS) of a count against the largest count: equal steps of the maximum. */
export function shadeLevel(count: number, max: number): number {
  if (count <= 0 || max <= 0) return 0;
  return Math.min(LEVELS, Math.max(1, Math.ceil((count / max) * LEVELS)));
}

/** The legend: the organization counts each level stands for (only levels that some count can reach). */
export function legendLevels(max: number): Array<{ level: number; from: number; to: number }> {
  const levels: Array<{ level: number; from: number; to: number }> = [];
  let from = 1;
  for (let level = 1; level <= LEVELS; level += 1) {
    const to = Math.floor((level / LEVELS) * max);
    if (to >= from) {
      levels.push({ level, from, to });
      from = to + 1;
    }
  }
  return levels;
}

export interface WorldMapProps {
  readonly countries: readonly CountryRow[];
}

export function WorldMap({ countries }: WorldMapProps): ReactNode {
  const outlines = useMemo(countryShapes, []);
  const byNumeric = new Map(countries.map((c) => [c.numeric, c]));
  const max = Math.max(0, ...countries.map((c) => c.organizations));
  const drawn = new Set(outlines.map((s) => s.id));
  // Small states (Singapore, Malta, Bahrain...) have no outline at 1:110m: say so rather than drop them silently.
  const undrawn = countries.filter((c) => !drawn.has(c.numeric));
  const hitNames = countries.map((c) => `${c.name} ${c.organizations}`).join(', ');
  return (
    <figure className="chart world-map">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`World map of organizations hit per country: ${hitNames === '' ? 'none' : hitNames}`} preserveAspectRatio="xMidYMid meet">
        {outlines.map((s) => {
          const hit = byNumeric.get(s.id);
          if (hit === undefined) return <path key={s.id} className="map-country" d={s.d} />;
          return (
            <path key={s.id} className={`map-country map-hit map-level-${shadeLevel(hit.organizations, max)}`} d={s.d} data-country={hit.country}>
              <title>{`${hit.name}: ${hit.organizations} ${hit.organizations === 1 ? 'organization' : 'organizations'}, ${hit.messages} messages`}</title>
            </path>
          );
        })}
      </svg>
      <figcaption>
        <ul className="legend" aria-label="Map legend">
          <li>
            <svg className="swatch" viewBox="0 0 10 10" aria-hidden="true">
              <rect className="map-country" width="10" height="10" />
            </svg>
            not hit
          </li>
          {legendLevels(max).map((l) => (
            <li key={l.level}>
              <svg className="swatch" viewBox="0 0 10 10" aria-hidden="true">
                <rect className={`map-level-${l.level}`} width="10" height="10" />
              </svg>
              {l.from === l.to ? l.from : `${l.from}–${l.to}`} {l.to === 1 ? 'organization' : 'organizations'}
            </li>
          ))}
        </ul>
        {undrawn.length > 0 && <p className="muted">Too small to draw at this scale: {undrawn.map((c) => c.name).join(', ')} (in the table).</p>}
      </figcaption>
    </figure>
  );
}
