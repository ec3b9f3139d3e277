// Text that reaches conditions, Events, notification payloads and logs: one line, no control characters
// (a raw OpenSSL or server message may carry newlines, escapes or NULs that break `kubectl` output).

/** Replaces every run of C0/C1 control characters (newlines included) with one space. */
export function stripControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

/** Userinfo (`user:password@`) of any URL in `text` removed, so a URL's credentials are never repeated. */
export function withoutUserinfo(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/\s@?#]*@/g, '$1');
}

/** `text` in at most `max` characters: when cut, its last character is `…`. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
