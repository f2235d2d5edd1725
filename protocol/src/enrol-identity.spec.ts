import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { enrolIdentity } from './enrol-identity.js';
import { isValidAgentId } from './topics.js';

describe('enrolIdentity', () => {
  it('is enrol- and the first 24 hex digits of the token\'s SHA-256: a valid client id and topic level', () => {
    const token = 'x'.repeat(43);
    const id = enrolIdentity(token);
    assert.equal(id, `enrol-${createHash('sha256').update(token).digest('hex').slice(0, 24)}`);
    assert.match(id, /^enrol-[0-9a-f]{24}$/);
    assert.ok(isValidAgentId(id));
    assert.notEqual(enrolIdentity(`${token}y`), id);
  });
});
