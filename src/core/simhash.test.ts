import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { computeLureFingerprint, isLureFingerprint, lureDistance } from './simhash.js';

const lure = (name: string, date: string, tracking: string, amount: string): string =>
  `Dear ${name},\n\nWe were unable to deliver your parcel on ${date} because the customs fee of ${amount} EUR was not paid. ` +
  `Your shipment ${tracking} is held at our regional depot. To avoid the return of the parcel to the sender, please confirm ` +
  `your delivery address and settle the outstanding amount within 48 hours using the secure link below: ` +
  `https://track-${tracking.toLowerCase()}.parcel-example.net/pay?id=${tracking}\n\nIf you have questions write to support-${tracking}@parcel-example.net.\n` +
  `Thank you for choosing our delivery service.\nCustomer Care Team`;

const UNRELATED: readonly string[] = [
  'The quarterly board meeting has been moved to the large conference room on the third floor. Please bring the printed budget ' +
    'draft and your comments on the hiring plan; catering will provide lunch for everyone who registered before the deadline.',
  'Our hiking club will walk the northern ridge trail this weekend. Bring sturdy boots, a rain jacket, enough water and snacks ' +
    'for the whole day. We meet at the old railway station car park and share rides to the trailhead from there.',
  'The new release of the build tool speeds up incremental compilation, adds a watch mode for test files and drops support ' +
    'for the legacy configuration format. Read the migration guide before upgrading any of the production pipelines.',
  'Grandma asked whether you could pick up the cake from the bakery on your way to the party. She also wants to know if the ' +
    'children would like pancakes or waffles for breakfast on Sunday morning before everybody drives back home again.',
  'The library will close early during the holidays. Borrowed books may be returned through the slot by the main entrance, and ' +
    'reservations placed online stay valid until the reading rooms open again with the usual schedule next year.',
  'Your password for the payroll portal expires soon. Sign in to the employee self service page and choose a new password that ' +
    'you have not used before, otherwise access to payslips and holiday requests will be suspended by the administrators.',
  'The laboratory results show elevated nitrate levels in the eastern wells. We recommend additional sampling after the next ' +
    'heavy rain and a comparison with the readings of the previous spring before any conclusion about the source is drawn.',
  'Tickets for the jazz festival go on sale on Friday. Members of the association get an early access code by post, and seats in ' +
    'the front rows are limited to two per household so that as many friends of the festival as possible can attend.',
];

test('fingerprint: 16 lower-case hex digits; undefined under eight words', () => {
  const fp = computeLureFingerprint('Invoice overdue', lure('John', '12 March 2024', 'AB123456789DE', '3.99'));
  assert.ok(fp !== undefined && isLureFingerprint(fp), String(fp));
  assert.equal(computeLureFingerprint('Hi', 'see attached file'), undefined);
  assert.equal(computeLureFingerprint(undefined, 'one two three 4 5 6 7 8 9 10 https://a.example/x b@c.example'), undefined);
});

test('the same lure with different names, dates, tracking numbers and links is at most 3 bits apart', () => {
  const base = computeLureFingerprint('Parcel AB123456789DE held: customs fee due', lure('John', '12 March 2024', 'AB123456789DE', '3.99')) ?? '';
  const variants = [
    computeLureFingerprint('Parcel ZX987654321US held: customs fee due', lure('Mary Ann', '3 April 2024', 'ZX987654321US', '2.49')),
    computeLureFingerprint('Parcel QQ000111222CN held: customs fee due', lure('Dr. Wu', 'Monday, 1 July', 'QQ000111222CN', '1.00')),
    computeLureFingerprint('Parcel 00340434161094042557 held: customs fee due', lure('Kowalski', '2024-05-22', '00340434161094042557', '12.00').replace('Dear Kowalski,', 'Hi Mr. Kowalski')),
  ];
  for (const variant of variants) {
    assert.ok(variant !== undefined);
    assert.ok(lureDistance(base, variant) <= 3, `distance ${lureDistance(base, variant)}`);
  }
});

test('unrelated texts of similar length are on average at least 15 bits apart', () => {
  const fps = UNRELATED.map((t) => computeLureFingerprint(undefined, t) ?? '');
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < fps.length; i++) {
    for (let j = i + 1; j < fps.length; j++) {
      const d = lureDistance(fps[i] as string, fps[j] as string);
      assert.ok(d >= 6, `pair ${i}/${j} only ${d} bits apart`);
      sum += d;
      pairs++;
    }
  }
  assert.ok(sum / pairs >= 15, `average ${sum / pairs}`);
});

test('a salutation line is dropped only when it is short; a long first sentence counts', () => {
  const body = 'please review the attached contract before our call tomorrow and send the signed copy back to the legal team';
  const plain = computeLureFingerprint(undefined, body);
  assert.equal(computeLureFingerprint(undefined, `Hello Alexandra,\n${body}`), plain);
  assert.equal(computeLureFingerprint(undefined, `Sehr geehrte Frau Müller,\n${body}`), plain);
  assert.equal(computeLureFingerprint(undefined, `Mr. Smith,\n${body}`), plain);
  const sentence = 'Hello and welcome to the new customer portal where every invoice can be paid online today';
  assert.notEqual(computeLureFingerprint(undefined, `${sentence}\n${body}`), plain);
});

test('NFKC and case: fullwidth and upper-case text fingerprint as plain text', () => {
  const text = 'Verify your mailbox storage quota now or your account will be closed today';
  assert.equal(computeLureFingerprint(undefined, text.toUpperCase()), computeLureFingerprint(undefined, text));
  const fullwidth = text.replace(/[a-z]/gu, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
  assert.equal(computeLureFingerprint(undefined, fullwidth), computeLureFingerprint(undefined, text));
});

test('lureDistance: symmetric, 0 to itself, 64 for anything that is not a fingerprint', () => {
  assert.equal(lureDistance('0000000000000000', 'ffffffffffffffff'), 64);
  assert.equal(lureDistance('0123456789abcdef', '0123456789abcdef'), 0);
  assert.equal(lureDistance('8000000000000001', '0000000000000000'), 2);
  assert.equal(lureDistance('0000000000000000', '8000000000000001'), 2);
  assert.equal(lureDistance('zz', '0000000000000000'), 64);
  assert.equal(lureDistance('0123456789ABCDEF', '0123456789abcdef'), 64);
});

test('a 64 KiB body is fingerprinted in linear time', () => {
  const words = UNRELATED.join(' ');
  const body = words.repeat(Math.ceil(65_536 / words.length)).slice(0, 65_536);
  computeLureFingerprint('warm-up', body);
  const runs = 20;
  const started = performance.now();
  for (let i = 0; i < runs; i++) computeLureFingerprint(`subject ${i}`, body);
  const perCall = (performance.now() - started) / runs;
  // Catches super-linear behaviour only: an idle machine takes about 1 ms, a CI runner shared by many jobs far more.
  assert.ok(perCall < 100, `${perCall.toFixed(2)} ms per 64 KiB body`);
});
