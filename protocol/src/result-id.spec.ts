import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { Id, resultId } from './index.js';

const AGENT = 'a-3f9c2b';
const SLOT = Date.UTC(2026, 0, 1); // 1767225600000

describe('result ids', () => {
  it('keeps the ids agents have always derived (known answers: results in outboxes stay verifiable)', () => {
    assert.equal(resultId(AGENT, { entryKey: '12:io.prophasis.cpu-load', slot: SLOT }), 's-8d49ddfc1436a6e73bb709344572257db18932d2');
    assert.equal(resultId(AGENT, { requestId: 'r-77' }), 'q-5ab5e42fffb66af35c661ea8ac75c391b98ccf86');
    const expected = createHash('sha256').update([AGENT, '12:io.prophasis.cpu-load', String(SLOT)].join('\0')).digest('hex').slice(0, 40);
    assert.equal(resultId(AGENT, { entryKey: '12:io.prophasis.cpu-load', slot: SLOT }), `s-${expected}`);
  });

  it('differs by agent, entry, slot and request, and fits the protocol Id schema', () => {
    const ids = [
      resultId(AGENT, { entryKey: '12:io.prophasis.cpu-load', slot: SLOT }),
      resultId('a-other', { entryKey: '12:io.prophasis.cpu-load', slot: SLOT }),
      resultId(AGENT, { entryKey: '13:io.prophasis.cpu-load', slot: SLOT }),
      resultId(AGENT, { entryKey: '12:io.prophasis.cpu-load', slot: SLOT + 60_000 }),
      resultId(AGENT, { requestId: 'r-77' }),
      resultId('a-other', { requestId: 'r-77' }),
    ];
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.ok(Value.Check(Id, id), `${id} is a valid Id`);
  });

  it('separates its parts, so shifting text between them changes the id', () => {
    assert.notEqual(resultId('a-1', { entryKey: '2:x', slot: 3 }), resultId('a-12', { entryKey: ':x', slot: 3 }));
    assert.notEqual(resultId('a-1', { requestId: 'r' }), resultId('a-1r', { requestId: '' }));
  });
});
