/** ClamAV engine: artifacts streamed to clamd (zINSTREAM), plus the /healthz probe. */
export type { ClamavEngineOptions } from './engine.js';
export { createClamavEngine, resolveClamdTarget } from './engine.js';
export type { ClamavHealth, ClamavHealthOptions } from './health.js';
export { clamavHealth } from './health.js';
export type { ClamdCallOptions, ClamdTarget, ScanResult } from './client.js';
export { parseScanReply, pingClamd, readClamdVersion, scanBytes } from './client.js';
export type { ClamavSymbol } from './findings.js';
export { CLAMAV_ENGINE_NAME, CLAMAV_FINDINGS } from './findings.js';
