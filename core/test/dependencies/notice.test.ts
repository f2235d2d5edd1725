import assert from 'node:assert/strict';
import { noticeJson, renderSubject, renderText } from '../../src/alerting/message.js';
import { noticeView, renderArgument, templateVariables } from '../../src/alerting/templates.js';
import { notice } from '../alerting/support.js';

describe('dependencies: the notice sent once a parent is back (reason dependency-ended)', () => {
  const n = notice({ target: { kind: 'host', id: 3, name: 'db-1' }, plugin: null, reason: 'dependency-ended', causedBy: { hostId: 1, name: 'router-1' } });

  it('says why in its subject, text and JSON, naming the parent', () => {
    assert.match(renderSubject(n), /^AFTER PARENT RECOVERED db-1/);
    assert.match(renderText(n), /\nWhy: a parent host it is reached through was down; it is reachable again and the problem is still present$/);
    const json = noticeJson(n);
    assert.equal(json['reason'], 'dependency-ended');
    assert.deepEqual(json['causedBy'], { hostId: 1, name: 'router-1' });
    assert.equal(noticeJson(notice())['causedBy'], null);
  });

  it('gives templates {{causedBy.name}}, listed with the other variables', () => {
    assert.equal(renderArgument('{{#causedBy}}held while {{name}} was down{{/causedBy}}', noticeView(n, { urls: null, unavailable: '' })), 'held while router-1 was down');
    assert.equal(renderArgument('{{#causedBy}}x{{/causedBy}}', noticeView(notice(), { urls: null, unavailable: '' })), '');
    assert.ok(templateVariables().some((v) => v.name === 'causedBy.name'));
  });
});
