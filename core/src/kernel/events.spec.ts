import assert from 'node:assert/strict';
import { createEventBus, type CoreEvent } from './events.js';

const transition = (hostId: number) => ({ hostId, serviceId: null, pluginId: null, from: 'ok', to: 'major', at: 1, late: false }) as const;

describe('kernel: event bus', () => {
  it('delivers every event to subscribe() and only its type to on(), typed', () => {
    const bus = createEventBus();
    const all: string[] = [];
    const hosts: number[] = [];
    bus.subscribe((e) => all.push(e.type));
    bus.on('state.changed', (e) => hosts.push(e.transition.hostId!));
    bus.publish({ type: 'config.changed', ts: 1, resource: 'hosts' });
    bus.publish({ type: 'state.changed', ts: 2, transition: transition(7) });
    assert.deepEqual(all, ['config.changed', 'state.changed']);
    assert.deepEqual(hosts, [7]);
  });

  it('delivers an event published by a listener after the current one, to every listener, in publish order', () => {
    const bus = createEventBus();
    const seen: string[] = [];
    // The first subscriber reacts to a presence change with a state change (as the pipeline does).
    bus.on('presence.changed', () => bus.publish({ type: 'state.changed', ts: 2, transition: transition(3) }));
    bus.subscribe((e) => seen.push(`late listener: ${e.type}`));
    bus.publish({ type: 'presence.changed', ts: 1, change: { type: 'host.unreachable', hostId: '3', agentId: 'a', at: 1 } });
    assert.deepEqual(seen, ['late listener: presence.changed', 'late listener: state.changed'], 'the cause reaches every listener before its effect');
  });

  it('reports a throwing listener and still delivers to the others; unsubscribing stops delivery', () => {
    const errors: unknown[] = [];
    const bus = createEventBus({ onListenerError: (err) => errors.push(err) });
    const got: CoreEvent[] = [];
    bus.subscribe(() => {
      throw new Error('boom');
    });
    const off = bus.subscribe((e) => got.push(e));
    assert.equal(bus.size(), 2);
    bus.publish({ type: 'config.changed', ts: 1, resource: 'checks' });
    assert.equal(got.length, 1);
    assert.equal(errors.length, 1);
    off();
    assert.equal(bus.size(), 1);
    bus.publish({ type: 'config.changed', ts: 2, resource: 'checks' });
    assert.equal(got.length, 1);
    // After a throwing listener the bus is not stuck mid-delivery: the next publish is delivered.
    bus.subscribe((e) => got.push(e));
    bus.publish({ type: 'config.changed', ts: 3, resource: 'checks' });
    assert.equal(got.length, 2);
  });
});
