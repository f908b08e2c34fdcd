import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_PROXY_HEADER_BYTES, parseProxyHeader } from './proxy-protocol.js';

const SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

function v2(command: number, family: number, payload: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(payload.length, 0);
  return Buffer.concat([SIGNATURE, Buffer.from([0x20 | command, family]), length, payload]);
}

describe('PROXY protocol header', () => {
  it('reads v1 TCP4 and TCP6 lines and says how many bytes they took', () => {
    const line = 'PROXY TCP4 198.51.100.7 192.0.2.25 40001 25\r\n';
    assert.deepEqual(parseProxyHeader(Buffer.from(`${line}EHLO x\r\n`)), {
      kind: 'ok',
      version: 1,
      consumed: line.length,
      addresses: { sourceAddress: '198.51.100.7', sourcePort: 40001, destinationAddress: '192.0.2.25', destinationPort: 25 },
    });
    const six = parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::25 1 25\r\n'));
    assert.equal(six.kind === 'ok' ? six.addresses?.sourceAddress : '', '2001:db8::7');
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { kind: 'ok', version: 1, consumed: 15 });
  });

  it('reads v2 PROXY (IPv4, IPv6) and LOCAL headers, TLVs skipped', () => {
    const v4 = Buffer.from([198, 51, 100, 7, 192, 0, 2, 25, 0x9c, 0x41, 0, 25]);
    const withTlv = Buffer.concat([v4, Buffer.from([0x04, 0x00, 0x02, 0xab, 0xcd])]);
    const parsed = parseProxyHeader(v2(1, 0x11, withTlv));
    assert.deepEqual(parsed, { kind: 'ok', version: 2, consumed: 16 + withTlv.length, addresses: { sourceAddress: '198.51.100.7', destinationAddress: '192.0.2.25', sourcePort: 40001, destinationPort: 25 } });
    const v6 = Buffer.alloc(36);
    v6.set([0x20, 0x01, 0x0d, 0xb8], 0);
    v6[15] = 7;
    const six = parseProxyHeader(v2(1, 0x21, v6));
    assert.equal(six.kind === 'ok' ? six.addresses?.sourceAddress : '', '2001:db8::7');
    assert.deepEqual(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0))), { kind: 'ok', version: 2, consumed: 16 });
  });

  it('asks for more until a header is complete', () => {
    assert.deepEqual(parseProxyHeader(Buffer.from('PRO')), { kind: 'incomplete' });
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY TCP4 198.51.100.7')), { kind: 'incomplete' });
    assert.deepEqual(parseProxyHeader(SIGNATURE.subarray(0, 7)), { kind: 'incomplete' });
    assert.deepEqual(parseProxyHeader(v2(1, 0x11, Buffer.alloc(12)).subarray(0, 20)), { kind: 'incomplete' });
  });

  it('names what is wrong with a bad header', () => {
    const reason = (data: Buffer): string => {
      const result = parseProxyHeader(data);
      return result.kind === 'error' ? result.reason : result.kind;
    };
    assert.match(reason(Buffer.from('EHLO x\r\n')), /no PROXY header/);
    assert.match(reason(Buffer.from('PROXY TCP4 198.51.100.7 192.0.2.25 1\r\n')), /needs PROXY TCP4/);
    assert.match(reason(Buffer.from('PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n')), /unknown protocol family/);
    assert.match(reason(Buffer.from('PROXY TCP4 2001:db8::1 1.2.3.4 1 2\r\n')), /not TCP4 addresses/);
    assert.match(reason(Buffer.from('PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n')), /ports/);
    assert.match(reason(Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`)), /longer than 107/);
    assert.match(reason(v2(1, 0x31, Buffer.alloc(216))), /unsupported family/);
    assert.match(reason(v2(1, 0x11, Buffer.alloc(4))), /too short/);
    assert.match(reason(Buffer.concat([SIGNATURE, Buffer.from([0x21, 0x11, 0xff, 0xff])])), /over 1024/);
    assert.match(reason(Buffer.concat([SIGNATURE, Buffer.from([0x31, 0x11, 0, 0])])), /version 3/);
  });

  it('never throws and never reads past its bound on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ maxLength: 64 }).map((tail) => Buffer.concat([SIGNATURE, Buffer.from(tail)]))), (bytes) => {
        const result = parseProxyHeader(Buffer.from(bytes));
        if (result.kind === 'ok') assert.ok(result.consumed <= Math.min(bytes.length, MAX_PROXY_HEADER_BYTES));
      }),
      { numRuns: 2000 },
    );
  });
});
