/** Byte readers shared by the payload decoders (LoRaWAN frames are tiny; DataView per read is fine). */
export function u16be(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}
export function u16le(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8);
}
export function i16le(b: Uint8Array, i: number): number {
  const v = u16le(b, i);
  return v > 0x7fff ? v - 0x10000 : v;
}
export function u32le(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)) + b[i + 3]! * 0x1000000;
}
export function i8(b: Uint8Array, i: number): number {
  const v = b[i]!;
  return v > 0x7f ? v - 0x100 : v;
}

export class PayloadError extends Error {}

export function need(b: Uint8Array, i: number, n: number, what: string): void {
  if (i + n > b.length) throw new PayloadError(`payload too short for ${what}: need ${i + n} bytes, have ${b.length}`);
}
