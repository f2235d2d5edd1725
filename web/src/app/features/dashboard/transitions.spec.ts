import { mergeTransitions, storedTransition, toTransition, type TransitionNames } from './transitions';

const names: TransitionNames = {
  host: (id) => (id === 3 ? 'db' : undefined),
  plugin: (id) => (id === 5 ? 'Disk usage' : undefined),
  service: (id) => (id === 2 ? 'Mail' : undefined),
};

describe('dashboard transitions', () => {
  it('reads a state change with host, plugin and both severities', () => {
    const t = toTransition({ type: 'state.changed', ts: 1000, data: { hostName: 'db', pluginId: 'io.prophasis.disk', from: 'ok', to: 'minor' } }, 0);
    expect(t).toEqual({ key: '1000-0', ts: 1000, subject: 'db · io.prophasis.disk', link: undefined, from: 'ok', to: 'minor', note: undefined });
  });

  it('names the row ids the core sends and links to the host report, at the time of the change', () => {
    const t = toTransition({ type: 'state.changed', ts: 2000, data: { hostId: 3, pluginId: 5, from: 'ok', to: 'major', at: 1500 } }, 1, names);
    expect(t).toEqual({ key: '1500-1', ts: 1500, subject: 'db · Disk usage', link: ['/hosts', 3, 'detail'], from: 'ok', to: 'major', note: undefined });
    // Unknown ids still make a readable line.
    expect(toTransition({ type: 'state.changed', ts: 1, data: { hostId: 9, pluginId: 8, to: 'ok' } }, 0, names)?.subject).toBe('host 9 · 8');
  });

  it('reads a service change and links to the service report', () => {
    const t = toTransition({ type: 'state.changed', ts: 5, data: { serviceId: 2, hostId: null, pluginId: null, from: 'ok', to: 'critical' } }, 3, names);
    expect(t?.subject).toBe('Mail');
    expect(t?.link).toEqual(['/reports/services', 2]);
    expect(t?.to).toBe('critical');
    expect(toTransition({ type: 'state.changed', ts: 5, data: { serviceName: 'Web', severity: 'degraded' } }, 0)?.from).toBeUndefined();
  });

  it('reads agents going away and coming back', () => {
    const gone = toTransition({ type: 'host.presence', ts: 10, data: { type: 'host.unreachable', hostId: '3', agentId: 'db', at: 9 } }, 0, names);
    expect(gone).toEqual({ key: '9-0', ts: 9, subject: 'db', link: ['/hosts', 3, 'detail'], from: undefined, to: undefined, note: 'Agent unreachable' });
    expect(toTransition({ type: 'host.presence', ts: 10, data: { type: 'host.reachable', hostId: '3' } }, 0, names)?.note).toBe('Agent reachable again');
  });

  it('ignores other events and unknown severities', () => {
    expect(toTransition({ type: 'result.stored', ts: 1, data: { to: 'ok' } }, 0)).toBeUndefined();
    expect(toTransition({ type: 'host.presence', ts: 1, data: { type: 'host.moved' } }, 0)).toBeUndefined();
    expect(toTransition({ type: 'state.changed', ts: 1, data: { to: 'purple' } }, 0)).toBeUndefined();
  });

  it('lists stored history with live changes, newest first, a change both hold once', () => {
    const stored = storedTransition({ id: 7, at: 1500, hostId: 3, hostName: 'db', serviceId: null, serviceName: null, pluginId: 'io.prophasis.disk', pluginName: 'Disk usage', from: 'ok', to: 'major', late: false });
    expect(stored).toEqual({ key: 'stored-7', ts: 1500, subject: 'db · Disk usage', link: ['/hosts', 3, 'detail'], from: 'ok', to: 'major', note: undefined });
    const sameLive = toTransition({ type: 'state.changed', ts: 2000, data: { hostId: 3, pluginId: 5, from: 'ok', to: 'major', at: 1500 } }, 0, names)!;
    const newer = toTransition({ type: 'state.changed', ts: 3000, data: { serviceId: 2, from: 'ok', to: 'critical', at: 3000 } }, 1, names)!;
    const older = storedTransition({ id: 6, at: 100, hostId: null, hostName: null, serviceId: 2, serviceName: 'Mail', pluginId: null, pluginName: null, from: 'critical', to: 'ok', late: false });
    expect(mergeTransitions([stored, older], [sameLive, newer], 20).map((t) => t.key)).toEqual(['3000-1', 'stored-7', 'stored-6']);
    expect(mergeTransitions([stored, older], [sameLive, newer], 2).length).toBe(2);
  });
});

