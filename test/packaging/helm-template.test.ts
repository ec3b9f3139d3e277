// The Helm template subset used to render the chart (support/helm-template/README.md): its semantics
// must match Go text/template + Sprig for what the chart uses, and it must refuse everything else.
import { describe, expect, it } from 'vitest';
import { Renderer } from './support/helm-template/evaluate.ts';
import { lex } from './support/helm-template/lexer.ts';
import { parse } from './support/helm-template/parser.ts';

function render(source: string, data: unknown = {}, extra = ''): string {
  const parsed = parse(lex(extra + source, 't.yaml'), 't.yaml');
  return new Renderer(parsed.defines).render(parsed.nodes, data);
}

describe('helm template subset', () => {
  it('trims whitespace only on the marked side', () => {
    expect(render('a  \n  {{- "b" }}  \n c')).toBe('ab  \n c');
    expect(render('a  {{ "b" -}}  \n c')).toBe('a  bc');
    expect(render('x\n{{/* comment */}}\ny')).toBe('x\n\ny');
    expect(render('x\n{{- /* comment */ -}}\ny')).toBe('xy');
  });

  it('follows Go truth for if / else if / else, and with rebinds dot', () => {
    const t = '{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}';
    expect(render(t, { a: 1 })).toBe('A');
    expect(render(t, { a: 0, b: 'x' })).toBe('B');
    expect(render(t, { a: [], b: {} })).toBe('C');
    expect(render('{{ with .m }}{{ .k }}{{ else }}none{{ end }}', { m: { k: 'v' } })).toBe('v');
    expect(render('{{ with .m }}{{ .k }}{{ else }}none{{ end }}', { m: {} })).toBe('none');
  });

  it('ranges over lists in order and maps by sorted key, with $ still the root', () => {
    expect(
      render('{{ range $i, $v := .l }}{{ $i }}={{ $v }}{{ $.sep }}{{ end }}', { l: ['a', 'b'], sep: ';' }),
    ).toBe('0=a;1=b;');
    expect(render('{{ range $k, $v := .m }}{{ $k }}{{ $v }}{{ end }}', { m: { b: 2, a: 1 } })).toBe('a1b2');
    expect(render('{{ range .l }}x{{ else }}empty{{ end }}', { l: [] })).toBe('empty');
  });

  it('pipes the value as the last argument and evaluates sub-pipelines', () => {
    expect(render('{{ .x | default "d" | quote }}', {})).toBe('"d"');
    expect(render('{{ .x | default "d" | quote }}', { x: 'v' })).toBe('"v"');
    expect(
      render('{{ printf "%s-%s" .a (.b | upper) | trunc 5 | trimSuffix "-" }}', { a: 'abc', b: 'x' }),
    ).toBe('abc-X');
    expect(render('{{ and .a .b }}|{{ or .c .b }}', { a: 'A', b: 'B', c: '' })).toBe('B|B');
    expect(render('{{ if and (gt (int .n) 1) (not .f) }}many{{ end }}', { n: '3', f: false })).toBe('many');
  });

  it('renders defines through include, with variables scoped to their block', () => {
    const defs = '{{- define "n" -}}{{ $x := "in" }}{{ .v }}-{{ $x }}{{- end }}';
    expect(render('{{ include "n" . | nindent 2 }}', { v: 1 }, defs)).toBe('\n  1-in');
    expect(render('{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}')).toBe('2');
  });

  it('writes YAML the way Helm’s toYaml does', () => {
    expect(render('{{ toYaml .v }}', { v: { b: ['x', 'y'], a: { '1': 'one' }, c: '1' } })).toBe(
      'a:\n  "1": one\nb:\n- x\n- y\nc: "1"',
    );
    const viaSet = '{{- $m := .s | fromYaml }}{{- $_ := set $m.meta "k" "v" }}{{ toYaml $m }}';
    expect(render(viaSet, { s: 'meta:\n  a: b\n' })).toBe('meta:\n  a: b\n  k: v');
  });

  it('refuses what is outside the subset instead of guessing', () => {
    expect(() => render('{{ tpl .x . }}')).toThrow(/outside the supported subset/);
    expect(() => render('{{ template "x" . }}')).toThrow(/outside the supported subset/);
    expect(() => render('{{ .m }}', { m: { a: 1 } })).toThrow(/printing a map/);
    expect(() => render('{{ if .a }}x')).toThrow(/missing end/);
    expect(() => render('{{ $y }}')).toThrow(/undefined variable/);
    expect(() => render('{{ include "nope" . }}')).toThrow(/no template named/);
    expect(() => render('{{ required "need x" .x }}')).toThrow(/need x/);
    expect(() => render('{{ fail "stop" }}')).toThrow(/stop/);
  });
});
