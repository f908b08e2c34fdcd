/**
 * Configuration: loading and validating the one config, redacting it for
 * display, domain/recipient lookups, and STARTTLS credentials.
 */
export { configSchema, organizationName, policyRulesSchema } from './schema.js';
export { formatIssues } from './issues.js';
export { parseConfigYaml, readConfigFile } from './yaml-file.js';
export type {
  MoatConfig,
  DomainConfig,
  NextHopConfig,
  PolicyConfig,
  SmtpConfig,
  AnalysisConfig,
  DeliveryConfig,
  PolicyRules,
} from './schema.js';
export { loadConfig, resolveOperatorConfigPath } from './load.js';
export type { LoadConfigOptions, LoadedConfig } from './load.js';
export { redactConfig, REDACTED } from './redact.js';
export { findDomain, isAcceptedRecipient, normalizeDomain, parseAddress } from './domains.js';
export type { ParsedAddress, RecipientCheck } from './domains.js';
export { ensureTlsCredentials } from './tls.js';
export type { TlsCredentialOptions, TlsCredentials } from './tls.js';
export { MAX_CONFIG_FILE_BYTES } from './yaml-file.js';
