/**
 * What the dashboard route needs (`app/` implements it): figures of a window
 * of the message log for the organizations a caller may see, the health
 * checks, and the detection engines' state.
 */
import type { HealthReport } from './http-server.js';

export interface DashboardFigures {
  readonly hourly: ReadonlyArray<{ readonly hour: string; readonly action: string; readonly count: number }>;
  readonly totals: Readonly<Record<string, number>>;
  readonly topFindings: ReadonlyArray<{ readonly symbol: string; readonly count: number }>;
  readonly topRecipients: ReadonlyArray<{ readonly recipient: string; readonly count: number }>;
  readonly queue: ReadonlyArray<{ readonly nodeId: string; readonly pending: number }>;
}

export interface DashboardPort {
  figures(window: { since: Date; until: Date; organizations: 'all' | readonly number[] }): Promise<DashboardFigures>;
  health(): Promise<HealthReport>;
  /** Rule and engine facts worth a glance: YARA rules loaded, clamd's version. */
  engines(): Promise<Readonly<Record<string, string | number | boolean>>>;
}
