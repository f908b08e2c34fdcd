/** GeoIP: IP address → country from an MMDB file the app reads. */
export { createCountryLookup } from './country-lookup.js';
export type { CountryLookup } from './country-lookup.js';
