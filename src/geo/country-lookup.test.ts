import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MoatError } from '../core/index.js';
import { countryOfRecord, createCountryLookup } from './country-lookup.js';

const shipped = createRequire(import.meta.url).resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb');
const lookup = createCountryLookup(readFileSync(shipped));

test('the shipped database places well-known public addresses', () => {
  // Addresses whose registration is stable and undisputed: Google DNS (US), RIPE NCC's own
  // network (NL), a Japanese university range (JP), Registro.br (BR).
  assert.equal(lookup('8.8.8.8'), 'US');
  assert.equal(lookup('2001:4860:4860::8888'), 'US');
  assert.equal(lookup('193.0.6.139'), 'NL');
  assert.equal(lookup('2001:67c:2e8::1'), 'NL');
  assert.equal(lookup('133.1.1.1'), 'JP');
  assert.equal(lookup('200.160.2.3'), 'BR');
  assert.equal(lookup('::ffff:8.8.8.8'), 'US');
});

test('private, loopback, documentation and malformed addresses have no country', () => {
  // 203.0.113.5: the shipped data says AU for this documentation range; a report must not.
  for (const ip of ['127.0.0.1', '10.1.2.3', '192.168.1.1', '172.16.0.9', '100.64.0.1', '203.0.113.5', '198.51.100.7', '192.0.2.1', '::1', 'fe80::1', 'fd00::1', '2001:db8::1', '::ffff:10.0.0.1', 'not an ip', '', '1.2.3']) {
    assert.equal(lookup(ip), undefined, ip);
  }
});

test('both record shapes are read: ip-location-db and GeoLite2', () => {
  assert.equal(countryOfRecord({ country_code: 'DE' }), 'DE');
  assert.equal(countryOfRecord({ country: { iso_code: 'fr' }, continent: { code: 'EU' } }), 'FR');
  assert.equal(countryOfRecord({ registered_country: { iso_code: 'US' } }), undefined);
  assert.equal(countryOfRecord({ country_code: 'EUR' }), undefined);
  assert.equal(countryOfRecord(null), undefined);
});

test('bytes that are not an MMDB file are refused with a code', () => {
  assert.throws(() => createCountryLookup(new Uint8Array([1, 2, 3, 4])), (error: unknown) => error instanceof MoatError && error.code === 'GEO_DATABASE_INVALID');
});
