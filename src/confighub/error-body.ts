// What a server's error answer says, in one short line that never repeats a secret.
import { stripControl, truncate, withoutUserinfo } from '../util/clean-text.ts';
import { errorBodySchema } from './schemas.ts';

/** Removes every secret from `text` (server messages may echo what we sent). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** How much of a server's error text a message repeats. */
const MAX_ERROR_DETAIL = 300;

/**
 * The `Message` of a ConfigHub error body, else the text; scrubbed of secrets before anything is cut (a
 * secret straddling the cut would otherwise survive in part), flattened to one line, then shortened.
 */
export function describeErrorBody(body: Buffer, secrets: readonly string[]): string {
  const text = scrub(body.toString('utf8'), secrets);
  let message = text;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success && parsed.data.Message !== undefined) message = parsed.data.Message;
  } catch {
    // Not JSON: use the raw text.
  }
  if (/^\s*</.test(message)) return 'an HTML page';
  // Scrubbed again: a JSON `Message` may spell a secret with escapes the raw text did not match.
  const line = stripControl(withoutUserinfo(scrub(message, secrets)))
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(line, MAX_ERROR_DETAIL);
}
