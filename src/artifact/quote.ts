// Renders untrusted names (unit slugs, request paths) for messages: quoted, ASCII-only, bounded, so a
// hostile name cannot forge log lines, hide look-alike characters or blow up a condition message.

const MAX_SHOWN = 80;

export function quoteName(value: string): string {
  const shown = value.length > MAX_SHOWN ? value.slice(0, MAX_SHOWN) : value;
  const escaped = JSON.stringify(shown).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (shown === value) return escaped;
  return `${escaped} (truncated, ${Buffer.byteLength(value)} bytes)`;
}
