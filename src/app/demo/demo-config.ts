/**
 * The operator file a demo writes into its data folder, so that
 * `moat start -c DIR/moat.yaml` serves the demo: the data folder, one domain
 * per organization, the organizations with country and sector, and a
 * campaign window that covers the demo's months.
 */
import type { DemoDataSet } from './types.js';
import { DEMO_DAYS } from './generate.js';

/**
 * The override as plain data, merged over `base` (the operator file the
 * command was given, read raw: `${env:...}` references stay references, so no
 * secret is written out). Top-level keys replace or merge as in the loader.
 */
export function demoConfigOverride(data: DemoDataSet, dataDir: string, base: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const campaigns = typeof base['campaigns'] === 'object' && base['campaigns'] !== null ? (base['campaigns'] as Record<string, unknown>) : {};
  return {
    ...base,
    dataDir,
    domains: data.organizations.map((o) => ({ name: o.domain, organization: o.name })),
    organizations: data.organizations.map((o) => ({ name: o.name, country: o.country, sector: o.sector })),
    // The periodic recluster must see the whole demo, not just the default 90 days.
    campaigns: { ...campaigns, windowDays: DEMO_DAYS + 30 },
  };
}
