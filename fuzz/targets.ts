/**
 * Fuzz targets: what is generated and mutated for `--target mime|tar|zip`.
 * Every case is a whole message (run through analyzeMessage in the real
 * worker pool); archive cases also carry the bare archive so registered
 * dissectors can be run on it directly.
 */
import { Buffer } from 'node:buffer';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Rng } from './archives.js';
import { buildGzip, buildMessage, buildTar, buildZip, createRng, randomBytes, textBytes } from './archives.js';
import { mutatedArb } from './mutate.js';

export const TARGETS = ['mime', 'tar', 'zip'] as const;
export type TargetName = (typeof TARGETS)[number];

export interface FuzzCase {
  readonly target: TargetName;
  readonly message: Buffer;
  /** The bare container, for direct dissector runs. */
  readonly archive?: Buffer;
}

// Seed fixtures bigger than this (too-many-parts.eml) cost more time per execution than they add.
const MAX_SEED_BYTES = 256 * 1024;

/** Real .eml fixtures under `dir`, each at most MAX_SEED_BYTES. */
export function loadMailSeeds(dir: string): Buffer[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.eml')).sort();
  } catch {
    return [];
  }
  return names.filter((n) => statSync(join(dir, n)).size <= MAX_SEED_BYTES).map((n) => readFileSync(join(dir, n)));
}

// Inert names of the CVE-2023-2868 shape, so the mutated seeds start where the attack was.
const HOSTILE_NAMES = ["a'`echo hello`'.txt", 'x;echo hello;.txt', '$(echo hello).log', '../../etc/cron.d/x', '/abs/name', 'obt075.pdf', 'mod_udp.so', 'a\nb.txt'];

function files(rng: Rng, count: number): { name: string; content: Buffer }[] {
  return Array.from({ length: count }, (_, i) => ({
    name: i % 5 === 4 ? rng.pick(HOSTILE_NAMES) : `dir${rng.int(3)}/file-${i}.${rng.pick(['txt', 'bin', 'csv', 'log'])}`,
    content: rng.int(2) === 0 ? textBytes(rng, 64 + rng.int(4096)) : randomBytes(rng, 16 + rng.int(1024)),
  }));
}

/** Generated tar seeds: ustar, pax long names, links, tar.gz. */
export function tarSeeds(seed = 1): Buffer[] {
  const rng = createRng(seed);
  const plain = buildTar(files(rng, 6));
  const longName = buildTar([{ name: `${'deep/'.repeat(30)}file.txt`, content: textBytes(rng, 300) }, ...files(rng, 2)]);
  const links = buildTar([
    { name: 'target.txt', content: textBytes(rng, 100) },
    { name: 'sym', content: new Uint8Array(0), typeflag: '2', linkName: '../../etc/passwd' },
    { name: 'hard', content: new Uint8Array(0), typeflag: '1', linkName: 'target.txt' },
    { name: 'dir/', content: new Uint8Array(0), typeflag: '5' },
  ]);
  return [plain, longName, links, buildGzip(plain), buildGzip(buildTar(files(rng, 3)))];
}

/** Generated zip seeds: deflate, stored, data descriptors, zip in zip. */
export function zipSeeds(seed = 2): Buffer[] {
  const rng = createRng(seed);
  const deflated = buildZip(files(rng, 6));
  const stored = buildZip(files(rng, 3).map((f) => ({ ...f, method: 0 as const })));
  const described = buildZip(files(rng, 3), { dataDescriptor: true });
  const nested = buildZip([{ name: 'inner.zip', content: buildZip([{ name: 'innermost.zip', content: buildZip(files(rng, 2)) }]) }, ...files(rng, 1)]);
  return [deflated, stored, described, nested];
}

const nameArb = fc.oneof(
  fc.constantFrom('report.pdf', 'archive.tar', 'data.zip', 'logs.txt', 'a.tar.gz', 'noext', 'obt075.doc'),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const typeArb = fc.constantFrom('application/octet-stream', 'application/zip', 'application/x-tar', 'application/gzip', 'text/plain', 'image/png');

function wrapArchive(target: TargetName): (input: { archive: Buffer; name: string; type: string }) => FuzzCase {
  return ({ archive, name, type }) => ({ target, archive, message: buildMessage(`fuzz ${target}`, [{ fileName: name.replace(/["\r\n]/g, '_'), contentType: type, content: archive }]) });
}

interface MimeLeafSpec {
  readonly kind: 'leaf';
  readonly type: string;
  readonly encoding: string;
  readonly name: string | null;
  readonly contentId: string | null;
  readonly body: Uint8Array;
}
interface MimeMultiSpec {
  readonly kind: 'multi';
  readonly subtype: string;
  readonly boundary: string;
  readonly closed: boolean;
  readonly children: readonly MimeNodeSpec[];
}
type MimeNodeSpec = MimeLeafSpec | MimeMultiSpec;

const leafArb: fc.Arbitrary<MimeLeafSpec> = fc.record({
  kind: fc.constant('leaf' as const),
  type: fc.constantFrom('text/plain', 'text/html', 'application/octet-stream', 'application/zip', 'message/rfc822', 'image/png', 'text/calendar'),
  encoding: fc.constantFrom('7bit', 'base64', 'quoted-printable', '8bit', 'binary', 'x-uuencode', ''),
  name: fc.option(nameArb, { nil: null }),
  contentId: fc.option(fc.oneof(fc.constant('<a@b>'), fc.base64String({ minLength: 60, maxLength: 200 }), fc.string({ maxLength: 80 })), { nil: null }),
  body: fc.uint8Array({ maxLength: 2048 }),
});

const { node: mimeTreeArb } = fc.letrec<{ node: MimeNodeSpec; multi: MimeMultiSpec; leaf: MimeLeafSpec }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('multi')),
  leaf: leafArb,
  multi: fc.record({
    kind: fc.constant('multi' as const),
    subtype: fc.constantFrom('mixed', 'alternative', 'related', 'digest', 'signed'),
    boundary: fc.oneof(fc.constantFrom('b', 'b1', '=_x', ''), fc.string({ maxLength: 80 })),
    closed: fc.boolean(),
    children: fc.array(tie('node'), { maxLength: 5 }),
  }),
}));

function renderNode(node: MimeNodeSpec, out: Buffer[]): void {
  if (node.kind === 'leaf') {
    const name = node.name === null ? '' : `; name="${node.name}"`;
    out.push(Buffer.from(`Content-Type: ${node.type}${name}\r\nContent-Transfer-Encoding: ${node.encoding}\r\n`, 'utf8'));
    if (node.contentId !== null) out.push(Buffer.from(`Content-ID: ${node.contentId}\r\n`, 'utf8'));
    out.push(Buffer.from('\r\n'));
    out.push(node.encoding === 'base64' ? Buffer.from(Buffer.from(node.body).toString('base64').replace(/.{76}/g, '$&\r\n')) : Buffer.from(node.body));
    out.push(Buffer.from('\r\n'));
    return;
  }
  out.push(Buffer.from(`Content-Type: multipart/${node.subtype}; boundary="${node.boundary}"\r\n\r\npreamble\r\n`, 'utf8'));
  for (const child of node.children) {
    out.push(Buffer.from(`--${node.boundary}\r\n`, 'utf8'));
    renderNode(child, out);
  }
  if (node.closed) out.push(Buffer.from(`--${node.boundary}--\r\n`, 'utf8'));
}

/** Renders a generated MIME tree as a message. */
export function renderMessage(node: MimeNodeSpec): Buffer {
  const out = [Buffer.from('From: a@example.net\r\nTo: b@example.test\r\nSubject: generated\r\nMIME-Version: 1.0\r\n')];
  renderNode(node, out);
  return Buffer.concat(out);
}

/** The case arbitrary of one target. `mailSeeds` are the real fixtures (mime target). */
export function caseArb(target: TargetName, mailSeeds: readonly Buffer[]): fc.Arbitrary<FuzzCase> {
  switch (target) {
    case 'mime': {
      const archiveMessages = [...tarSeeds(), ...zipSeeds()].map((a, i) => buildMessage(`seed ${i}`, [{ fileName: `seed-${i}.bin`, contentType: 'application/octet-stream', content: a }]));
      const seeds = [...mailSeeds, ...archiveMessages];
      return fc.oneof(
        { weight: 3, arbitrary: mutatedArb(seeds).map((message): FuzzCase => ({ target, message })) },
        { weight: 1, arbitrary: mimeTreeArb.map((tree): FuzzCase => ({ target, message: renderMessage(tree) })) },
      );
    }
    case 'tar':
      return fc.record({ archive: mutatedArb(tarSeeds()), name: nameArb, type: typeArb }).map(wrapArchive(target));
    case 'zip':
      return fc.record({ archive: mutatedArb(zipSeeds()), name: nameArb, type: typeArb }).map(wrapArchive(target));
  }
}
