import { toTransition } from './transitions';

describe('dashboard transitions', () => {
  it('reads a state change with host, plugin and both severities', () => {
    const t = toTransition({ type: 'state.changed', ts: 1000, data: { hostName: 'db', pluginId: 'io.prophasis.disk', from: 'ok', to: 'minor' } }, 0);
    expect(t).toEqual({ key: '1000-0', ts: 1000, subject: 'db · io.prophasis.disk', from: 'ok', to: 'minor' });
  });

  it('accepts a service change without a previous state', () => {
    const t = toTransition({ type: 'state.changed', ts: 5, data: { serviceName: 'Mail', severity: 'critical' } }, 3);
    expect(t?.subject).toBe('Mail');
    expect(t?.from).toBeUndefined();
    expect(t?.to).toBe('critical');
  });

  it('ignores other events and unknown severities', () => {
    expect(toTransition({ type: 'host.presence', ts: 1, data: { to: 'ok' } }, 0)).toBeUndefined();
    expect(toTransition({ type: 'state.changed', ts: 1, data: { to: 'purple' } }, 0)).toBeUndefined();
  });
});
