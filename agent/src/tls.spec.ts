import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { isProphasisError } from '@prophasis/protocol';
import { createTestPki } from '../test/support/pki.js';
import { AgentErrors } from './errors.js';
import { certificateFingerprint, findPinnedCa, formatServer, normaliseFingerprint, parseServer } from './tls.js';

describe('tls helpers', () => {
  it('parses HOST:PORT, bracketed IPv6, and refuses the rest', () => {
    assert.deepEqual(parseServer('core.example:8883'), { host: 'core.example', port: 8883 });
    assert.deepEqual(parseServer('127.0.0.1:1'), { host: '127.0.0.1', port: 1 });
    assert.deepEqual(parseServer('[::1]:8883'), { host: '::1', port: 8883 });
    assert.equal(formatServer({ host: '::1', port: 8883 }), '[::1]:8883');
    for (const bad of ['core', 'core:', ':8883', 'core:0', 'core:65536', 'mqtts://core:8883', 'a b:1', '::1:8883']) {
      assert.throws(() => parseServer(bad), (e) => isProphasisError(e, AgentErrors.INVALID_SERVER), bad);
    }
  });

  it('normalises fingerprints as operators paste them', () => {
    const hex = 'ab'.repeat(32);
    assert.equal(normaliseFingerprint(hex.toUpperCase()), hex);
    assert.equal(normaliseFingerprint(hex.match(/../g)!.join(':')), hex);
    for (const bad of ['', 'ab', 'zz'.repeat(32), 'ab'.repeat(33)]) {
      assert.throws(() => normaliseFingerprint(bad), (e) => isProphasisError(e, AgentErrors.INVALID_FINGERPRINT));
    }
  });

  it('finds the pinned CA only when the chain leads to it', async () => {
    const pki = await createTestPki();
    const other = await createTestPki('Some other CA');
    const leaf = new X509Certificate(pki.serverCertPem);
    const ca = new X509Certificate(pki.caCertPem);
    const otherCa = new X509Certificate(other.caCertPem);
    assert.equal(certificateFingerprint(ca), pki.caFingerprint);
    assert.equal(findPinnedCa([leaf, ca], pki.caFingerprint)?.fingerprint256, ca.fingerprint256);
    assert.equal(findPinnedCa([leaf, ca], other.caFingerprint), undefined, 'other fingerprint');
    // A chain that merely lists the expected CA without it having signed the leaf is refused.
    assert.equal(findPinnedCa([new X509Certificate(other.serverCertPem), ca], pki.caFingerprint), undefined);
    assert.equal(findPinnedCa([leaf, otherCa], other.caFingerprint), undefined);
    // The leaf itself is not a CA, so pinning its fingerprint does not count.
    assert.equal(findPinnedCa([leaf, ca], certificateFingerprint(leaf)), undefined);
  });
});
