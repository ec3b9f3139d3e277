// Hashes and identifiers the emulator hands out.
import { createHash, randomUUID } from 'node:crypto';

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export const EMPTY_DATA_HASH = sha256Hex('');

/** A UUIDv4-shaped ID derived from `seed`, so fixture-derived entities keep the same IDs on every run. */
export function stableUUID(seed: string): string {
  const hex = sha256Hex(seed);
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function newUUID(): string {
  return randomUUID();
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUUID(text: string): boolean {
  return UUID_PATTERN.test(text);
}
