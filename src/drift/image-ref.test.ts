import { describe, expect, it } from 'vitest';
import { formatImageRef, parseImageRef } from './image-ref.ts';

const digest = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  it.each([
    ['nginx', { name: 'nginx' }],
    ['nginx:1.27', { name: 'nginx', tag: '1.27' }],
    ['ghcr.io/acme/web:v2', { name: 'ghcr.io/acme/web', tag: 'v2' }],
    ['registry:5000/app', { name: 'registry:5000/app' }],
    ['registry:5000/app:v1', { name: 'registry:5000/app', tag: 'v1' }],
    [`web@${digest}`, { name: 'web', digest }],
    [`registry:5000/web:v1@${digest}`, { name: 'registry:5000/web', tag: 'v1', digest }],
  ])('%s', (reference, parsed) => {
    expect(parseImageRef(reference)).toEqual(parsed);
    expect(formatImageRef(parseImageRef(reference))).toBe(reference);
  });
});
