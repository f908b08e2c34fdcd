/**
 * A one-file ZIP sealed with a password (ZipCrypto, stored), for handing a
 * quarantined message to an analyst: a mail client, a browser or a virus
 * scanner on the analyst's machine never opens it by accident, and every
 * unzip tool can open it with the password (conventionally `infected`).
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { sealZipCrypto } from './zipcrypto.js';

export interface ProtectedZipEntry {
  /** File name inside the archive (UTF-8; flagged as such). */
  readonly name: string;
  readonly content: Uint8Array;
  readonly modified: Date;
}

/** Entries over 4 GiB would need ZIP64; a quarantined message is far below. */
const MAX_ENTRY_BYTES = 0xffff_fffe - 12;

function dosDateTime(at: Date): { time: number; date: number } {
  const year = Math.min(Math.max(at.getUTCFullYear(), 1980), 2107);
  return {
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
  };
}

/** Builds the archive; `random` gives the 11 random bytes of the encryption header. */
export function writeProtectedZip(entry: ProtectedZipEntry, password: string, random: (bytes: number) => Uint8Array): Buffer {
  if (entry.content.length > MAX_ENTRY_BYTES) throw new RangeError('entry too large for a ZIP without ZIP64');
  const name = Buffer.from(entry.name, 'utf8');
  const crc = crc32(entry.content) >>> 0;
  const sealed = sealZipCrypto(entry.content, Buffer.from(password, 'utf8'), crc >>> 24, random(11));
  const { time, date } = dosDateTime(entry.modified);
  // Bit 0: encrypted; bit 11: the name is UTF-8.
  const flags = 0x0001 | 0x0800;

  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(flags, 6);
  local.writeUInt16LE(0, 8); // stored
  local.writeUInt16LE(time, 10);
  local.writeUInt16LE(date, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(sealed.length, 18);
  local.writeUInt32LE(entry.content.length, 22);
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(0, 28);

  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(flags, 8);
  central.writeUInt16LE(0, 10);
  central.writeUInt16LE(time, 12);
  central.writeUInt16LE(date, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(sealed.length, 20);
  central.writeUInt32LE(entry.content.length, 24);
  central.writeUInt16LE(name.length, 28);
  // extra, comment, disk, internal attributes: 0
  central.writeUInt32LE((0o100600 << 16) >>> 0, 38); // external attributes: a regular file, rw for the owner only
  central.writeUInt32LE(0, 42); // local header offset

  const centralOffset = local.length + name.length + sealed.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, name, sealed, central, name, end]);
}
