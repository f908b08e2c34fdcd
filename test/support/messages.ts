/** Small real messages built for tests (CRLF line ends, as on the wire). */

export function plainMessage(options: { from?: string; to?: string; subject?: string; body?: string; messageId?: string } = {}): string {
  return [
    `From: Alice <${options.from ?? 'alice@sender.example'}>`,
    `To: ${options.to ?? 'bob@example.test'}`,
    `Subject: ${options.subject ?? 'Quarterly numbers'}`,
    `Message-ID: <${options.messageId ?? `${Date.now()}.${Math.random().toString(36).slice(2)}@sender.example`}>`,
    'Date: Thu, 26 Nov 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    options.body ?? 'Hello Bob,\r\n\r\nthe numbers are attached in spirit.\r\n\r\nAlice',
    '',
  ].join('\r\n');
}

/** A minimal PE header: enough for any content sniffer to say "Windows executable". */
export function tinyPe(): Buffer {
  const pe = Buffer.alloc(512);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(0x80, 0x3c);
  pe.write('PE\0\0', 0x80, 'latin1');
  pe.writeUInt16LE(0x14c, 0x84); // i386
  pe.writeUInt16LE(1, 0x86);
  pe.writeUInt16LE(0xe0, 0x94);
  pe.writeUInt16LE(0x10b, 0x98); // PE32 optional header magic
  return pe;
}

export function messageWithAttachment(options: { filename: string; content: Buffer; contentType?: string; to?: string; subject?: string }): string {
  const boundary = '----=_moat_test_boundary';
  const base64 = options.content.toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    'From: Mallory <mallory@sender.example>',
    `To: ${options.to ?? 'bob@example.test'}`,
    `Subject: ${options.subject ?? 'Invoice'}`,
    `Message-ID: <${Date.now()}.${Math.random().toString(36).slice(2)}@sender.example>`,
    'Date: Thu, 26 Nov 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please see the attached invoice.',
    `--${boundary}`,
    `Content-Type: ${options.contentType ?? 'application/octet-stream'}; name="${options.filename}"`,
    `Content-Disposition: attachment; filename="${options.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    base64,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
