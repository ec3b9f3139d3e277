// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Flux variables are written like template placeholders
import { describe, expect, it } from 'vitest';
import { SubstitutionUnsupportedError, substitute } from './substitute.ts';

describe('postBuild substitution as drift detection reproduces it', () => {
  const vars = new Map([
    ['NAME', 'web'],
    ['EMPTY', ''],
  ]);
  it.each([
    ['${NAME}', 'web'],
    ['$NAME-x', 'web-x'],
    ['${MISSING}', ''],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${MISSING:=${NAME}}', 'web'],
    ['$${NAME} costs $$5', '${NAME} costs $5'],
    ['price: $5', 'price: $5'],
  ])('%s → %s', (input, output) => {
    expect(substitute(input, vars)).toBe(output);
  });

  it('says so for operators it does not reproduce', () => {
    expect(() => substitute('${NAME^^}', vars)).toThrow(SubstitutionUnsupportedError);
  });
});
