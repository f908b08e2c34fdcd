export { startGateway, dataPath, domainsOfRecipients } from './gateway.js';
export type { Gateway, GatewayOptions } from './gateway.js';
export { openAdminServices } from './admin.js';
export type { AdminServices } from './admin.js';
export { analysisPoolOptions, engineSettings, openYaraRules, shippedPath } from './analysis-options.js';
