/**
 * Threat intelligence: indicator-of-compromise store, loaders and hash
 * reputation. See README.md.
 */
export type { CidrTrie } from './cidr-trie.js';
export { createCidrTrie } from './cidr-trie.js';
export type { HashReputation, HashReputationSnapshot, HashVerdict } from './hash-reputation.js';
export { createHashReputation, parseHashList } from './hash-reputation.js';
export type { Network } from './ip.js';
export { formatNetwork, parseAddress, parseNetwork } from './ip.js';
export type { NetworkSet } from './network-set.js';
export { buildNetworkSet } from './network-set.js';
export type { LoadOptions, PlainListOptions } from './loaders.js';
export { CSV_COLUMNS, CSV_OPTIONAL_COLUMNS, parseIndicatorCsv, parsePlainList, splitCsvLine } from './loaders.js';
export type { Normalised } from './normalise.js';
export { inferIndicatorType, MAX_VALUE_LENGTH, normaliseDomain, normaliseSubject, normaliseUrl, normaliseValue } from './normalise.js';
export { IntelFileTooLargeError, readIndicatorFile } from './read-file.js';
export type { StixContext, StixImport, StixOptions, StixProblem, StixResult } from './stix.js';
export { createStixImport, parseStixBundle } from './stix.js';
export type { MispOptions, MispResult } from './misp.js';
export { parseMispEvents } from './misp.js';
export type { JsonArrayElement, JsonArrayScanner, JsonArrayScannerOptions } from './json-array-stream.js';
export { createJsonArrayScanner, JsonStreamError } from './json-array-stream.js';
export type { IndicatorSnapshot, IndicatorStore, IndicatorStoreOptions } from './store.js';
export { createIndicatorStore, createIndicatorStoreFromSnapshot } from './store.js';
export type { Indicator, IndicatorType, LoadError, LoadResult } from './types.js';
export { INDICATOR_TYPES } from './types.js';
export type { TaxiiAuth, TaxiiErrorCode, TaxiiPage, TaxiiPageRequest, TaxiiRequestOptions } from './taxii-client.js';
export { checkCollectionUrl, escapeBytes, fetchCollectionPage, TAXII_MEDIA_TYPE, TaxiiError } from './taxii-client.js';
export type { TaxiiApiRootInfo, TaxiiCollectionInfo, TaxiiDiscovery } from './taxii-discover.js';
export { discoverTaxii } from './taxii-discover.js';
export type { IntelSources, LoadedIntel } from './load-sources.js';
export { hasIntelSources, loadIntelSources } from './load-sources.js';
