import assert from 'node:assert/strict';
import { redactSecrets } from './audit.js';

describe('redactSecrets', () => {
  it('redacts secret-looking keys at any depth and keeps the rest', () => {
    const out = redactSecrets({
      name: 'a',
      password: 'p',
      smtpPassword: 's',
      passwordChanged: true,
      nested: [{ token: 't', secret_hash: 'h', apiKey: 'k', value: 1 }],
    });
    assert.deepEqual(out, {
      name: 'a',
      password: '[redacted]',
      smtpPassword: '[redacted]',
      passwordChanged: true,
      nested: [{ token: '[redacted]', secret_hash: '[redacted]', apiKey: '[redacted]', value: 1 }],
    });
  });
});
