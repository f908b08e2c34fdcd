/**
 * Demo organizations: the hidden campaign's targets (a fixed table, so the
 * region split and country count are known exactly) and ordinary customers
 * spread over every country by weight.
 */
import type { Dice } from './random.js';
import type { DemoOrganization } from './types.js';
import { DEMO_COUNTRIES, SECTOR_NAMES, SECTOR_WEIGHTS, type DemoCountry, type DemoRegion, type DemoSector } from './world.js';

/**
 * The campaign's targets: 22 Americas / 10 EMEA / 8 APAC organizations in 19
 * countries (55 % / 25 % / 20 %, close to the UNC4841 split), in the sectors
 * the actor went after.
 */
export const TARGET_TABLE: readonly { readonly country: string; readonly count: number }[] = [
  { country: 'US', count: 10 }, { country: 'CA', count: 3 }, { country: 'MX', count: 3 }, { country: 'BR', count: 3 }, { country: 'CL', count: 2 }, { country: 'CO', count: 1 },
  { country: 'GB', count: 2 }, { country: 'DE', count: 2 }, { country: 'FR', count: 1 }, { country: 'NL', count: 1 }, { country: 'PL', count: 1 }, { country: 'AE', count: 1 }, { country: 'ZA', count: 2 },
  { country: 'TW', count: 2 }, { country: 'HK', count: 2 }, { country: 'SG', count: 1 }, { country: 'MY', count: 1 }, { country: 'ID', count: 1 }, { country: 'PH', count: 1 },
];

const TARGET_SECTORS: readonly DemoSector[] = ['government', 'government', 'foreign-affairs', 'trade', 'academia', 'government', 'foreign-affairs', 'academia', 'trade', 'high-tech'];

/** Fewest organizations a demo has: the targets plus as many ordinary ones. */
export const MIN_DEMO_ORGANIZATIONS = 80;

function countryByCode(code: string): DemoCountry {
  const country = DEMO_COUNTRIES.find((c) => c.code === code);
  if (country === undefined) throw new RangeError(`demo country ${code} missing from the world table`);
  return country;
}

function weighted<T extends string>(dice: Dice, weights: Readonly<Record<T, number>>): T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let u = dice.next() * total;
  for (const [key, w] of entries) {
    u -= w;
    if (u < 0) return key;
  }
  return (entries[entries.length - 1] as [T, number])[0];
}

/** Generates `count` organizations (the campaign's 40 targets among them), each with a unique name and domain. */
export function generateOrganizations(dice: Dice, count: number): DemoOrganization[] {
  const used = new Set<string>();
  const make = (country: DemoCountry, sector: DemoSector, target: boolean): DemoOrganization => {
    const pattern = dice.pick(SECTOR_NAMES[sector]);
    const base = pattern.replace('{p}', dice.pick(country.places)).replace('{c}', country.code.toLowerCase());
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
    used.add(name);
    return { name, domain: `${name}.${country.code.toLowerCase()}.example`, country: country.code, region: country.region, sector, target };
  };
  const organizations: DemoOrganization[] = [];
  let i = 0;
  for (const { country, count: n } of TARGET_TABLE) {
    for (let k = 0; k < n; k++) organizations.push(make(countryByCode(country), TARGET_SECTORS[i++ % TARGET_SECTORS.length] ?? 'government', true));
  }
  const countryWeights = Object.fromEntries(DEMO_COUNTRIES.map((c) => [c.code, c.weight])) as Record<string, number>;
  // Every country gets at least one ordinary organization, so a demo of any size spans all continents.
  for (const country of DEMO_COUNTRIES) {
    if (organizations.length >= count) break;
    organizations.push(make(country, weighted(dice, SECTOR_WEIGHTS), false));
  }
  while (organizations.length < count) {
    organizations.push(make(countryByCode(weighted(dice, countryWeights)), weighted(dice, SECTOR_WEIGHTS), false));
  }
  // Interleave targets with the rest: nothing about their position gives them away.
  return dice.sample(organizations, organizations.length);
}

/** Organizations of the table per region. */
export function targetRegionSplit(): Record<DemoRegion, number> {
  const split: Record<DemoRegion, number> = { Americas: 0, EMEA: 0, APAC: 0 };
  for (const { country, count } of TARGET_TABLE) split[countryByCode(country).region] += count;
  return split;
}

