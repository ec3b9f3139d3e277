import { describe, expect, it } from 'vitest';
import { refuseUrlCredentials } from './url-check.ts';

describe('refuseUrlCredentials', () => {
  it('stalls on userinfo without repeating it', () => {
    const refuse = () => refuseUrlCredentials('http://alice:S3cretPW2@hub.example.com/x');
    expect(refuse).toThrow(/spec.url carries credentials/);
    expect(refuse).not.toThrow(/S3cretPW2|alice/);
  });

  it('accepts a URL whose path holds an @', () => {
    expect(() => refuseUrlCredentials('https://hub.example.com/@team')).not.toThrow();
  });
});
