// SHA-256 as lowercase hex: the form of ConfigHub's DataHash, of our artifact digests and of the short
// hashes in derived names.
import { createHash } from 'node:crypto';

/** Hex SHA-256 of bytes, or of a string's UTF-8 encoding. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
