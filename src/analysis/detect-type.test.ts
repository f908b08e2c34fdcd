import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { detectType } from './detect-type.js';

function pe(characteristics: number): Buffer {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x14c, 0x84);
  b.writeUInt16LE(characteristics, 0x84 + 18);
  return b;
}

function tarHeader(withMagic: boolean): Buffer {
  const h = Buffer.alloc(1024);
  h.write('member.txt', 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('00000000005\0', 124, 'latin1');
  h.write('0', 156, 'latin1');
  if (withMagic) h.write('ustar\x0000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += h[i] ?? 0;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

const ext = async (content: Uint8Array): Promise<string | undefined> => (await detectType(content)).detected?.extension;

test('PE: exe and dll told apart by the COFF characteristics', async () => {
  assert.equal(await ext(pe(0x0102)), 'exe');
  assert.equal(await ext(pe(0x2102)), 'dll');
  assert.equal((await detectType(pe(0x0102))).detected?.type, 'application/x-msdownload');
});

test('tar by ustar magic and by header checksum alone (v7)', async () => {
  assert.equal(await ext(tarHeader(true)), 'tar');
  assert.equal(await ext(tarHeader(false)), 'tar');
  const broken = tarHeader(false);
  broken[0] = 0x4e;
  assert.notEqual(await ext(broken), 'tar');
});

test('ISO 9660 image', async () => {
  const iso = Buffer.alloc(0x8800);
  iso.write('\x01CD001', 0x8000, 'latin1');
  assert.equal(await ext(iso), 'iso');
});

test('Windows shortcut, shebang, HTML and HTA', async () => {
  const lnk = Buffer.concat([Buffer.from('4c0000000114020000000000c000000000000046', 'hex'), Buffer.alloc(60)]);
  assert.equal(await ext(lnk), 'lnk');
  assert.equal(await ext(Buffer.from('#!/bin/sh\nrm -rf /\n')), 'sh');
  assert.equal(await ext(Buffer.from('\ufeff#!/usr/bin/env python\n')), 'sh');
  assert.equal(await ext(Buffer.from('\r\n  <!DOCTYPE HTML><html></html>')), 'html');
  assert.equal(await ext(Buffer.from('<html><head><HTA:APPLICATION ID="x"/></head></html>')), 'hta');
});

test('file-type results pass through (pdf, zip)', async () => {
  assert.equal(await ext(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')), 'pdf');
  const zip = Buffer.from('504b0304140000000000000000000000000000000000000000000100000061', 'hex');
  assert.equal(await ext(Buffer.concat([zip, Buffer.from('x'), Buffer.from('504b0506000000000000000000000000000000000000', 'hex')])), 'zip');
});

test('plain text and empty content are unknown', async () => {
  assert.deepEqual(await detectType(Buffer.from('Dear Bob,\nsee you soon.\n')), {});
  assert.deepEqual(await detectType(new Uint8Array(0)), {});
});
