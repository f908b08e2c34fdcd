export { startGateway, dataPath } from './gateway.js';
export type { Gateway, GatewayOptions } from './gateway.js';
export { loadStoredPolicy, openAdminServices } from './admin.js';
export { importPolicyFile, loadLatestPolicy, validatePolicyDocument } from './policy-service.js';
export type { PolicyService } from './policy-service.js';
export { addressOf } from './sender.js';
export type { AdminServices } from './admin.js';
export { analysisPoolOptions, engineSettings, openYaraRules, shippedPath } from './analysis-options.js';
