import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { SEVERITIES, type Severity } from '../../core/protocol';
import { countBySeverity, SEVERITY_LABELS, sortWorstFirst } from './severity';
import { SeverityBadgeComponent, SeverityCountsComponent } from './severity-badge.component';

@Component({
  imports: [SeverityBadgeComponent, SeverityCountsComponent],
  template: `
    <p-severity-badge class="single" [severity]="severity()" />
    <p-severity-counts [counts]="counts()" [hideZero]="hideZero()" />
  `,
})
class HostComponent {
  readonly severity = signal<Severity>('major');
  readonly counts = signal(countBySeverity([]));
  readonly hideZero = signal(false);
}

describe('severity badge', () => {
  function render() {
    const fixture = TestBed.createComponent(HostComponent);
    fixture.detectChanges();
    return fixture;
  }

  it('shows colour class and words for the severity, and follows changes', () => {
    const fixture = render();
    const badge = fixture.nativeElement.querySelector('p-severity-badge.single') as HTMLElement;
    expect(badge.textContent?.trim()).toBe('Major');
    expect(badge.classList).toContain('sev-major');
    fixture.componentInstance.severity.set('no_data');
    fixture.detectChanges();
    expect(badge.textContent?.trim()).toBe('No data');
    expect(badge.classList).toContain('sev-no_data');
    expect(badge.classList).not.toContain('sev-major');
  });

  it('lists counts in protocol order, worst first, whatever order the input had', () => {
    const fixture = render();
    fixture.componentInstance.counts.set(countBySeverity(['ok', 'no_data', 'major', 'ok', 'degraded', 'minor', 'ok']));
    fixture.detectChanges();
    const badges = [...fixture.nativeElement.querySelectorAll('p-severity-counts p-severity-badge')] as HTMLElement[];
    expect(badges.map((b) => b.dataset['severity'])).toEqual([...SEVERITIES]);
    expect(badges.map((b) => b.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'Critical0',
      'Major1',
      'Minor1',
      'Degraded1',
      'Unknown0',
      'OK3',
      'No data1',
    ]);
  });

  it('hides severities without members when asked', () => {
    const fixture = render();
    fixture.componentInstance.counts.set(countBySeverity(['ok', 'minor']));
    fixture.componentInstance.hideZero.set(true);
    fixture.detectChanges();
    const shown = [...fixture.nativeElement.querySelectorAll('p-severity-counts p-severity-badge')].map((b) => (b as HTMLElement).dataset['severity']);
    expect(shown).toEqual(['minor', 'ok']);
  });

  it('has a label for every severity of the protocol', () => {
    for (const s of SEVERITIES) expect(SEVERITY_LABELS[s]).toMatch(/\w/);
  });

  it('sorts worst first with a stable tie-break', () => {
    const hosts = [
      { name: 'b', s: 'ok' as Severity },
      { name: 'a', s: 'ok' as Severity },
      { name: 'c', s: 'no_data' as Severity },
      { name: 'd', s: 'major' as Severity },
      { name: 'e', s: 'unknown' as Severity },
      { name: 'f', s: 'degraded' as Severity },
    ];
    const sorted = sortWorstFirst(hosts, (h) => h.s, (x, y) => x.name.localeCompare(y.name));
    expect(sorted.map((h) => h.name)).toEqual(['d', 'f', 'e', 'a', 'b', 'c']);
    expect(hosts[0]?.name).toBe('b'); // the input is not reordered
  });
});
