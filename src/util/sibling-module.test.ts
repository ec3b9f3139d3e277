import { describe, expect, it } from 'vitest';
import { siblingModule } from './sibling-module.ts';

describe('siblingModule', () => {
  it('keeps the caller’s extension: .ts from the sources, .js once compiled', () => {
    expect(siblingModule('file:///app/src/artifact/validator-pool.ts', './validation-worker').href).toBe(
      'file:///app/src/artifact/validation-worker.ts',
    );
    expect(siblingModule('file:///app/dist/artifact/validator-pool.js', './validation-worker').href).toBe(
      'file:///app/dist/artifact/validation-worker.js',
    );
  });

  it('resolves next to the caller, whatever the directory names hold', () => {
    expect(siblingModule('file:///a.ts/b/c.js', './d').href).toBe('file:///a.ts/b/d.js');
  });
});
