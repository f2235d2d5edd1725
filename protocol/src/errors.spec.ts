import assert from 'node:assert/strict';
import { BundleErrors, defineErrors, ProtocolErrors } from './index.js';

// Catalogues are unique per process and mocha runs every spec in one process: each catalogue
// declared here has a prefix that no other spec (and no package) uses.
const THIS_FILE = /protocol\/src\/errors\.spec\.ts:\d+:\d+/g;

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail('defineErrors accepted a duplicate');
};

describe('defineErrors refuses duplicates', () => {
  it('refuses a prefix another catalogue already uses, naming the prefix and both places', () => {
    const first = defineErrors('SPEC_DUP_PREFIX', { ONE: { status: 400, message: 'One' } });
    assert.equal(first.ONE.code, 'SPEC_DUP_PREFIX_ONE');
    const message = refusal(() => defineErrors('SPEC_DUP_PREFIX', { TWO: { status: 400, message: 'Two' } }));
    assert.match(message, /prefix SPEC_DUP_PREFIX is already used/);
    const places = message.match(THIS_FILE) ?? [];
    assert.equal(places.length, 2, message);
    assert.notEqual(places[0], places[1], message);
  });

  it('refuses a code another catalogue already defines through an overlapping prefix', () => {
    defineErrors('SPEC_OVERLAP', { API_GONE: { status: 410, message: 'Gone' } });
    const message = refusal(() => defineErrors('SPEC_OVERLAP_API', { GONE: { status: 410, message: 'Gone' } }));
    assert.match(message, /code SPEC_OVERLAP_API_GONE is already defined/);
    assert.equal((message.match(THIS_FILE) ?? []).length, 2, message);
  });

  it('declares nothing when it refuses', () => {
    defineErrors('SPEC_ATOMIC', { B_TAKEN: { status: 409, message: 'Taken' } });
    refusal(() => defineErrors('SPEC_ATOMIC_B', { FREE: { status: 400, message: 'Free' }, TAKEN: { status: 409, message: 'Taken' } }));
    // Neither the refused prefix nor its other code was kept.
    const E = defineErrors('SPEC_ATOMIC_B', { FREE: { status: 400, message: 'Free' } });
    assert.equal(E.FREE.code, 'SPEC_ATOMIC_B_FREE');
  });

  it("knows the protocol's own catalogues and where they are declared", () => {
    assert.equal(ProtocolErrors.INVALID_TOPIC.code, 'PROTO_INVALID_TOPIC');
    assert.match(refusal(() => defineErrors('PROTO', { OTHER: { status: 400, message: 'x' } })), /protocol\/src\/errors\.ts:\d+/);
    assert.equal(BundleErrors.CORRUPT.code, 'BUNDLE_CORRUPT');
    assert.match(
      refusal(() => defineErrors('BUNDLE', { OTHER: { status: 400, message: 'x' } })),
      /prefix BUNDLE is already used by the catalogue at \S*protocol\/src\/bundle\/errors\.ts:\d+/,
    );
    assert.match(refusal(() => defineErrors('PROTO_INVALID', { TOPIC: { status: 400, message: 'x' } })), /code PROTO_INVALID_TOPIC/);
  });
});
