import { readFileSync } from 'node:fs';
import { analyzeMessage } from './dist/src/analysis/index.js';
const limits = { maxMessageBytes: 26214400, maxMimeParts: 1000, maxMimeDepth: 30 };
// typical messages: ~5 KB text+html alternative, ~50 KB with a pdf-ish base64 attachment
const lorem = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. ';
function msg(textKb, attachKb) {
  const text = lorem.repeat(Math.ceil(textKb * 1024 / lorem.length / 2));
  let m = 'From: a@b.example\r\nTo: c@d.example\r\nSubject: =?UTF-8?Q?Quarterly_=C3=9Cbersicht?=\r\nMessage-ID: <x@y>\r\nDate: Tue, 25 Nov 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\nContent-Type: multipart/alternative; boundary="a"\r\n\r\n--a\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' + text.replace(/(.{70})/g, '$1=\r\n') + '\r\n--a\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<html><body><p>' + text.replace(/(.{70})/g, '$1=\r\n') + '</p></body></html>\r\n--a--\r\n';
  if (attachKb) {
    const bin = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(attachKb * 1024, 7)]);
    m += '--m\r\nContent-Type: application/pdf; name="report.pdf"\r\nContent-Disposition: attachment; filename="report.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n' + bin.toString('base64').replace(/(.{76})/g, '$1\r\n') + '\r\n';
  }
  return Buffer.from(m + '--m--\r\n');
}
for (const [name, raw] of [['5KB text/html', msg(5, 0)], ['20KB + 10KB pdf', msg(10, 10)], ['50KB (12KB text + 25KB pdf)', msg(12, 25)], ['fixture attachment-pe', readFileSync('test/fixtures/mail/attachment-pe.eml')]]) {
  for (let i = 0; i < 300; i++) await analyzeMessage(raw, limits);
  const n = 2000; const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await analyzeMessage(raw, limits);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(name, raw.length, 'bytes:', us.toFixed(1), 'µs/msg');
}
