import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { XmlEvent } from './xml-scan.js';
import { decodeXmlEntities, scanXml } from './xml-scan.js';

const events = (text: string): XmlEvent[] => {
  const out: XmlEvent[] = [];
  scanXml(text, (e) => out.push(e));
  return out;
};

describe('XML scanner', () => {
  it('reports tags with prefixed names, quoted attributes (with > inside) and duplicates', () => {
    const got = events(`<?xml version="1.0"?><x:numFmt numFmtId='5' formatCode="[&gt;1]&quot;a&quot;" formatCode="0"/><a>t&amp;x</a>`);
    assert.deepEqual(got, [
      { kind: 'start', name: 'x:numFmt', attributes: [{ name: 'numFmtId', value: '5' }, { name: 'formatCode', value: '[>1]"a"' }, { name: 'formatCode', value: '0' }], selfClosing: true },
      { kind: 'start', name: 'a', attributes: [], selfClosing: false },
      { kind: 'text', text: 't&amp;x' },
      { kind: 'end', name: 'a' },
    ]);
  });

  it('never expands declared entities (billion laughs, XXE stay text)', () => {
    const doc = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]><r v="&b;&x;">&b;</r>';
    const got = events(doc);
    assert.equal(got[0]?.kind, 'doctype');
    assert.deepEqual(got[1], { kind: 'start', name: 'r', attributes: [{ name: 'v', value: '&b;&x;' }], selfClosing: false });
    assert.equal(decodeXmlEntities('&b;&#65;&#x42;&lt;'), '&b;AB<');
  });

  it('keeps CDATA literal and skips comments', () => {
    const got = events('<f><!-- <g/> --><![CDATA[a&lt;b]]></f>');
    assert.deepEqual(got.map((e) => e.kind), ['start', 'text', 'end']);
    const text = got[1];
    assert.equal(text?.kind === 'text' ? decodeXmlEntities(text.text) : undefined, 'a&lt;b');
  });

  it('terminates on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: fc.constantFrom('<', '>', '/', '!', '?', '[', ']', '"', "'", '=', ' ', 'a', '-', '&', ';') }), (text) => {
        let count = 0;
        scanXml(text, () => count++);
        return count <= text.length + 1;
      }),
      { numRuns: 1000 },
    );
  });
});
