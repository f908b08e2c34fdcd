/**
 * External relationship targets of an OOXML `.rels` part (`TargetMode="External"`):
 * hyperlinks, remote templates, linked images. They are links the document
 * follows or offers, so they join the message's URLs (src/analysis/urls).
 */
import { Buffer } from 'node:buffer';
import { attributeValues, localName, scanXml } from './xml-scan.js';

// How far into the content the root element must start for the part to be read as relationships.
const SNIFF_BYTES = 512;
const RELATIONSHIPS_NS = 'schemas.openxmlformats.org/package/2006/relationships';

/** True when `content` is a relationships part: its root is `<Relationships>` in the OPC namespace (by content, not by name). */
export function isRelationshipsPart(content: Uint8Array): boolean {
  const head = Buffer.from(content.buffer, content.byteOffset, Math.min(content.length, SNIFF_BYTES)).toString('utf8');
  return /<(?:[A-Za-z_][\w.-]*:)?Relationships[\s>]/u.test(head) && head.includes(RELATIONSHIPS_NS);
}

/** The targets of the external relationships in `xml`, in document order, at most `max`. */
export function externalRelationshipTargets(xml: string, max: number): string[] {
  const targets: string[] = [];
  scanXml(xml, (event) => {
    if (event.kind !== 'start' || localName(event.name) !== 'Relationship' || targets.length >= max) return;
    if (!attributeValues(event.attributes, 'TargetMode').some((m) => m.toLowerCase() === 'external')) return;
    for (const target of attributeValues(event.attributes, 'Target')) if (targets.length < max) targets.push(target);
  });
  return targets;
}
