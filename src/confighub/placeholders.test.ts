import { describe, expect, it } from 'vitest';
import { findPlaceholders } from './placeholders.ts';

const find = (text: string) => findPlaceholders(Buffer.from(text));

describe('findPlaceholders', () => {
  it('finds the placeholder string, named ones included, with line and column', () => {
    const hits = find(
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: confighubplaceholder\n  host: confighubplaceholdersubdomain.example.com\n',
    );
    expect(hits).toEqual([
      { line: 4, column: 9, kind: 'string', text: 'confighubplaceholder' },
      { line: 5, column: 9, kind: 'string', text: 'confighubplaceholdersubdomain' },
    ]);
  });

  it('finds it inside quoted strings and in flow and JSON documents', () => {
    expect(find('a: "x-confighubplaceholder-http"\n').map((h) => h.column)).toEqual([7]);
    expect(find('{"port": 999999999, "n": [1, -999999999]}').map((h) => h.text)).toEqual([
      '999999999',
      '-999999999',
    ]);
  });

  it('finds the integer placeholder as a plain scalar only', () => {
    expect(find('replicas: 999999999\n')).toEqual([
      { line: 1, column: 11, kind: 'number', text: '999999999' },
    ]);
    expect(find('- 999999999 # fill me\n')).toHaveLength(1);
    expect(find('replicas: -999999999\n')[0]?.text).toBe('-999999999');
    for (const other of [
      'a: "999999999"\n',
      "a: '999999999'\n",
      'a: 9999999999\n',
      'a: 1999999999\n',
      'a: 999999999.5\n',
      'a: v999999999\n',
      'a: foo-999999999\n',
      'a: 99999999\n',
    ]) {
      expect(find(other), other).toEqual([]);
    }
  });

  it('ignores comments but not a # inside a value', () => {
    expect(find('# confighubplaceholder\nx: 1 # 999999999\n')).toEqual([]);
    expect(find('x: a#confighubplaceholder\n')).toHaveLength(1);
    expect(find('x: "# confighubplaceholder"\n')).toHaveLength(1);
  });

  it('is not confused by apostrophes in plain scalars or unbalanced quotes', () => {
    expect(find("description: it's\nname: confighubplaceholder\n")).toHaveLength(1);
    expect(find('a: "unterminated\nb: 999999999\n')).toHaveLength(1);
  });

  it('reports nothing for clean data and handles CRLF and empty input', () => {
    expect(find('')).toEqual([]);
    expect(find('a: 1\r\nb: 999999999\r\n')).toEqual([
      { line: 2, column: 4, kind: 'number', text: '999999999' },
    ]);
  });

  it('stops at the limit', () => {
    expect(findPlaceholders(Buffer.from('a: confighubplaceholder\n'.repeat(100)), 3)).toHaveLength(3);
  });

  it('stays linear on adversarial input (a quadratic scan would not finish)', () => {
    const size = 4 << 20;
    for (const fill of ['c', '9', 'confighubplaceholde', '"', ' -']) {
      const data = Buffer.alloc(size, fill);
      expect(findPlaceholders(data).length).toBeLessThan(size);
    }
  });
});
