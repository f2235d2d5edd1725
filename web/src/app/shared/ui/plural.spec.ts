import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { count, CountPipe, plural } from './plural';

describe('plural forms (issue 21)', () => {
  it('chooses the form by the plural rules: one for 1, other for 0, 2 and fractions', () => {
    expect(count(1, 'host', 'hosts')).toBe('1 host');
    expect(count(0, 'host', 'hosts')).toBe('0 hosts');
    expect(count(2, 'host', 'hosts')).toBe('2 hosts');
    expect(count(1.5, 'minute', 'minutes')).toBe('1.5 minutes');
    expect(count(12345, 'download', 'downloads')).toBe('12,345 downloads');
    expect(plural(1, 'stays', 'stay')).toBe('stays');
  });

  it('the count pipe says "1 host monitored", not "1 hosts monitored"', () => {
    @Component({ imports: [CountPipe], template: `<p>{{ 1 | count: 'host' : 'hosts' }} monitored.</p><p>{{ 3 | count: 'host' : 'hosts' }} monitored.</p>` })
    class Host {}
    const fixture = TestBed.createComponent(Host);
    fixture.detectChanges();
    expect([...(fixture.nativeElement as HTMLElement).querySelectorAll('p')].map((p) => p.textContent)).toEqual(['1 host monitored.', '3 hosts monitored.']);
  });
});
