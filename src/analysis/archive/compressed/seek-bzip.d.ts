// seek-bzip 2.0.0 ships no types. Only the part of its API that bzip2.ts uses (lib/index.js, lib/stream.js).
declare module 'seek-bzip' {
  export interface SeekBzipInput {
    readByte(): number;
    read(buffer: Uint8Array, offset: number, length: number): number;
    seek(position: number): void;
    eof(): boolean;
  }
  export interface SeekBzipOutput {
    writeByte(byte: number): void;
    write(buffer: Uint8Array, offset: number, length: number): number;
    flush(): void;
  }
  interface SeekBzip {
    /** Decodes `input` into `output`; with `multistream`, concatenated bzip2 streams too. Throws on corrupt data. */
    decode(input: SeekBzipInput, output: SeekBzipOutput, multistream?: boolean): unknown;
  }
  const Bunzip: SeekBzip;
  export default Bunzip;
}
