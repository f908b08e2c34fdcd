/** The demo data set (`moat demo`): a pure generator with ground truth, its writer and the run that seeds and reclusters. */
export { generateDemoDataSet, DEMO_DAYS, MAX_DEMO_ORGANIZATIONS } from './generate.js';
export type { DemoOptions } from './generate.js';
export { MIN_DEMO_ORGANIZATIONS } from './organizations.js';
export { createSeededRandom } from './random.js';
export type { RandomSource } from './random.js';
export type { DemoDataSet, DemoGroundTruth, DemoMessage, DemoMessageKind, DemoOrganization } from './types.js';
export { toLogEntry, writeDemoDataSet } from './write.js';
export { demoConfigOverride } from './demo-config.js';
export { matchHiddenCampaign, runDemo } from './run-demo.js';
export type { DemoRunOptions, DemoRunSummary, HiddenCampaignMatch } from './run-demo.js';
