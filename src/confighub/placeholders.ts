// ConfigHub placeholders in unit data: values that links or functions still have to fill. ConfigHub blocks
// applying such data ("PlaceHolderBlockApply"); its rules (yamlkit/placeholder.go) are a string containing
// `confighubplaceholder` (optionally named, e.g. `confighubplaceholdersubdomain`) and the integer
// 999999999 or -999999999.
//
// This works on raw bytes in one pass, without parsing YAML, so it is linear in the input size and can
// run anywhere bytes are (the artifact build worker included). Comments are skipped; a quoted
// "999999999" is a string, not the integer placeholder, and is not reported.

export interface PlaceholderHit {
  /** 1-based line. */
  line: number;
  /** 1-based byte column within the line. */
  column: number;
  kind: 'string' | 'number';
  /** The placeholder as written, e.g. `confighubplaceholderhost` or `-999999999`. */
  text: string;
}

const MARKER = Buffer.from('confighubplaceholder', 'ascii');
const NUMBER = '999999999';
const NL = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const HASH = 0x23;
const SQUOTE = 0x27;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;

/** Where a scalar may start or a plain number ends alike: the data's edge, a line end, a blank or `,`. */
function isSeparator(byte: number | undefined): boolean {
  return byte === undefined || byte === NL || byte === CR || byte === SPACE || byte === TAB || byte === 0x2c;
}

/** Bytes after which a scalar can start: line start, blank, or a YAML/JSON indicator. */
function startsToken(byte: number | undefined): boolean {
  return isSeparator(byte) || byte === 0x3a /* : */ || byte === 0x5b /* [ */ || byte === 0x7b /* { */;
}

/** Bytes that end a plain number. */
function endsNumber(byte: number | undefined): boolean {
  return isSeparator(byte) || byte === 0x5d /* ] */ || byte === 0x7d /* } */ || byte === HASH;
}

function isLetter(byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a));
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

function markerAt(data: Uint8Array, i: number): boolean {
  if (i + MARKER.length > data.length) return false;
  for (let k = 0; k < MARKER.length; k++) if (data[i + k] !== MARKER[k]) return false;
  return true;
}

/**
 * Every placeholder in `data`, in order. Each byte is looked at a bounded number of times (the marker
 * compare is at most 20 bytes and every match or number is skipped past), so the cost is O(n).
 */
export function findPlaceholders(data: Uint8Array, limit = Number.POSITIVE_INFINITY): PlaceholderHit[] {
  // Almost all data holds neither marker: a native search (memmem, GB/s) says so without the byte loop,
  // so a large unit does not hold up the event loop.
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.indexOf(MARKER) === -1 && bytes.indexOf(NUMBER) === -1) return [];
  const hits: PlaceholderHit[] = [];
  let line = 1;
  let lineStart = 0;
  let quote: number | undefined;
  let comment = false;
  let i = 0;
  const text = (from: number, to: number) => Buffer.from(data.buffer, data.byteOffset + from, to - from);
  while (i < data.length && hits.length < limit) {
    const byte = data[i]!;
    if (byte === NL) {
      line++;
      lineStart = i + 1;
      // Quotes are reset per line: an unbalanced one must not hide the rest of the document.
      quote = undefined;
      comment = false;
      i++;
      continue;
    }
    if (comment) {
      i++;
      continue;
    }
    const previous = i === 0 ? undefined : data[i - 1];
    if (quote !== undefined) {
      if (byte === BACKSLASH && quote === DQUOTE) {
        i += 2;
        continue;
      }
      if (byte === quote) quote = undefined;
    } else if (byte === HASH && (i === lineStart || previous === SPACE || previous === TAB)) {
      comment = true;
      i++;
      continue;
    } else if ((byte === SQUOTE || byte === DQUOTE) && (i === lineStart || startsToken(previous))) {
      quote = byte;
      i++;
      continue;
    }
    if (byte === 0x63 /* c */ && markerAt(data, i)) {
      let end = i + MARKER.length;
      while (isLetter(data[end])) end++;
      hits.push({ line, column: i - lineStart + 1, kind: 'string', text: text(i, end).toString('ascii') });
      i = end;
      continue;
    }
    if (
      quote === undefined &&
      (isDigit(byte) || byte === MINUS) &&
      (i === lineStart || startsToken(previous))
    ) {
      let end = byte === MINUS ? i + 1 : i;
      const digitsFrom = end;
      while (isDigit(data[end])) end++;
      if (end > digitsFrom) {
        const digits = text(digitsFrom, end).toString('ascii');
        if (digits === NUMBER && endsNumber(data[end])) {
          hits.push({
            line,
            column: i - lineStart + 1,
            kind: 'number',
            text: text(i, end).toString('ascii'),
          });
        }
        i = end;
        continue;
      }
    }
    i++;
  }
  return hits;
}
