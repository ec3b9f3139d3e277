// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Flux variables are written like template placeholders
import { describe, expect, it } from 'vitest';
import { envsubst, SubstitutionError, validateVarNames } from './varsub.ts';

describe("postBuild substitution with Flux's rules", () => {
  const vars = { NAME: 'web', EMPTY: '' };
  it.each([
    ['${NAME}', 'web'],
    ['$NAME-x', 'web-x'],
    ['${MISSING}', ''],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${MISSING=set}', 'set'],
    ['${MISSING:=${NAME}}', 'web'],
    ['$${NAME} costs $$5', '${NAME} costs $5'],
    ['price: $5', 'price: $5'],
  ])('%s → %s', (input, output) => {
    expect(envsubst(input, vars)).toBe(output);
  });

  it('rejects variable names Flux rejects', () => {
    expect(() => validateVarNames({ 'bad-name': 'x' })).toThrow(SubstitutionError);
    expect(() => validateVarNames({ _ok9: 'x' })).not.toThrow();
  });
});
