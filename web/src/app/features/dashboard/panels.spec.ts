import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { provideRouter } from '@angular/router';
import type { CurrentProblem, HostHealth, ProblemsOverTime, TopHost } from '../../core/protocol';
import { SEVERITY_COLORS } from '../../shared/ui/chart.component';
import { AgentsOfflineComponent } from './agents-offline.component';
import { BusiestHostsComponent } from './busiest-hosts.component';
import type { OverTimeChoice } from './dashboard';
import { ProblemsNowComponent } from './problems-now.component';
import { ProblemsOverTimeComponent } from './problems-over-time.component';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 7, 12, 0);

const problem = (over: Partial<CurrentProblem>): CurrentProblem => ({
  problem: 'h:3:p:5',
  kind: 'plugin',
  hostId: 3,
  hostName: 'db-1',
  pluginId: 'io.prophasis.disk-usage',
  pluginName: 'Disk usage',
  serviceId: null,
  serviceName: null,
  severity: 'critical',
  since: NOW - HOUR,
  acknowledged: null,
  maintenance: null,
  flapping: false,
  ...over,
});

function render<T>(component: new () => T) {
  TestBed.configureTestingModule({ providers: [provideRouter([]), provideNoopAnimations()] });
  const fixture = TestBed.createComponent(component);
  fixture.detectChanges();
  return { fixture, el: fixture.nativeElement as HTMLElement };
}

const rows = (el: HTMLElement, selector: string) => [...el.querySelectorAll(selector)].map((e) => e.textContent?.replace(/\s+/g, ' ').trim());

describe('Problems now panel', () => {
  @Component({ imports: [ProblemsNowComponent], template: `<p-problems-now [problems]="problems()" [total]="total()" [loaded]="true" />` })
  class Host {
    readonly problems = signal<CurrentProblem[]>([]);
    readonly total = signal(0);
  }

  it('lists problems worst first with severity, link, since and marks; more than shown links to Problems', () => {
    const { fixture, el } = render(Host);
    expect(el.textContent).toContain('No problems: everything is OK.');
    fixture.componentInstance.problems.set([
      problem({ acknowledged: { id: 1, by: 'ana', comment: 'disk ordered', sticky: false, at: NOW } }),
      problem({ problem: 's:2', kind: 'service', hostId: null, hostName: null, pluginId: null, pluginName: null, serviceId: 2, serviceName: 'shop', severity: 'major', maintenance: { silenceId: 4, name: 'Patch night' } }),
      problem({ problem: 'h:7', kind: 'host', hostId: 7, hostName: 'web-2', pluginId: null, pluginName: null, severity: 'major', flapping: true, since: null }),
    ]);
    fixture.componentInstance.total.set(14);
    fixture.detectChanges();
    const items = [...el.querySelectorAll('li')];
    expect(items.map((li) => li.querySelector('p-severity-badge')?.getAttribute('data-severity'))).toEqual(['critical', 'major', 'major']);
    expect(items.map((li) => li.querySelector('.subject a')?.textContent?.trim())).toEqual(['db-1 · Disk usage', 'shop', 'web-2 · agent unreachable']);
    expect(items.map((li) => li.querySelector('.subject a')?.getAttribute('href'))).toEqual(['/hosts/3/detail', '/reports/services/2', '/hosts/7/detail']);
    expect(items[0]?.querySelector('[data-mark="acknowledged"]')?.textContent).toContain('Acknowledged');
    expect(items[1]?.querySelector('[data-mark="maintenance"]')).not.toBeNull();
    expect(items[2]?.querySelector('[data-mark="flapping"]')).not.toBeNull();
    expect(items[0]?.querySelector('.since')?.textContent).toContain('since');
    expect(items[2]?.querySelector('.since')).toBeNull();
    expect(el.querySelector('mat-card-subtitle')?.textContent).toContain('14 problems, worst first');
    const more = el.querySelector('a.more');
    expect(more?.textContent).toContain('All 14 on Problems');
    expect(more?.getAttribute('href')).toBe('/problems');
  });
});

describe('Busiest hosts panel', () => {
  @Component({ imports: [BusiestHostsComponent], template: `<p-busiest-hosts title="CPU" unit="%" [max]="100" [hosts]="hosts()" [loaded]="loaded()" />` })
  class Host {
    readonly hosts = signal<TopHost[]>([]);
    readonly loaded = signal(false);
  }

  it('draws each host as a bar to the axis maximum with its value and unit, coloured by its state', () => {
    const { fixture, el } = render(Host);
    expect(el.textContent).toContain('Loading…');
    fixture.componentInstance.loaded.set(true);
    fixture.detectChanges();
    expect(el.textContent).toContain('No values yet.');
    fixture.componentInstance.hosts.set([
      { hostId: 3, hostName: 'db-1', value: 97.25, measuredAt: NOW, severity: 'major' },
      { hostId: 4, hostName: 'web-1', value: 40, measuredAt: NOW, severity: 'ok' },
    ]);
    fixture.detectChanges();
    expect(rows(el, 'li .value')).toEqual(['97.3 %', '40 %']);
    expect([...el.querySelectorAll('li a')].map((a) => a.getAttribute('href'))).toEqual(['/hosts/3/detail', '/hosts/4/detail']);
    const bars = [...el.querySelectorAll<HTMLElement>('.bar')];
    expect(bars.map((b) => b.style.width)).toEqual(['97.25%', '40%']);
    expect(bars[0]?.style.background).toBe('rgb(198, 40, 40)'); // SEVERITY_COLORS.major
    expect(SEVERITY_COLORS.major).toBe('#c62828');
  });
});

describe('Agents offline panel', () => {
  const unreachable = (id: number, name: string, since: number): HostHealth => ({
    id,
    name,
    severity: 'major',
    enrolmentState: 'enrolled',
    presence: { state: 'unreachable', since, lastSeen: since },
    online: false,
    lastSeen: since,
    plugins: 1,
  });
  @Component({ imports: [AgentsOfflineComponent], template: `<p-agents-offline [hosts]="hosts()" [disconnected]="disconnected()" [loaded]="true" />` })
  class Host {
    readonly hosts = signal<HostHealth[]>([]);
    readonly disconnected = signal(0);
  }

  it('counts and lists unreachable agents linked to their hosts, eight at most, and the disconnected ones', () => {
    const { fixture, el } = render(Host);
    expect(el.textContent).toContain('No agent is unreachable.');
    fixture.componentInstance.hosts.set(Array.from({ length: 9 }, (_, i) => unreachable(i + 1, `h-${i + 1}`, NOW - (9 - i) * HOUR)));
    fixture.componentInstance.disconnected.set(1);
    fixture.detectChanges();
    expect(el.querySelector('.big')?.textContent).toBe('9');
    expect(el.querySelectorAll('li').length).toBe(8);
    expect(el.querySelector('li a')?.getAttribute('href')).toBe('/hosts/1/detail');
    expect(el.querySelector('li')?.textContent).toContain('unreachable since');
    expect(el.querySelector('a.more')?.textContent).toContain('All 9 on Host health');
    expect(el.textContent).toContain('1 agent disconnected within the grace period.');
  });
});

describe('Problems over time panel', () => {
  const data: ProblemsOverTime = {
    from: NOW - 2 * HOUR,
    to: NOW,
    bucketMs: HOUR,
    buckets: [
      { t: NOW - 2 * HOUR, counts: { critical: 1, major: 2, minor: 0, degraded: 0, unknown: 0 } },
      { t: NOW - HOUR, counts: { critical: 0, major: 1, minor: 0, degraded: 0, unknown: 0 } },
    ],
  };
  @Component({
    imports: [ProblemsOverTimeComponent],
    template: `<p-problems-over-time [data]="data()" [choice]="choice" [error]="error()" (choiceChange)="chosen.push($event)" />`,
  })
  class Host {
    readonly data = signal<ProblemsOverTime | undefined>(undefined);
    readonly error = signal<string | undefined>(undefined);
    readonly choice: OverTimeChoice = { preset: 'day' };
    readonly chosen: OverTimeChoice[] = [];
  }

  it('shows the stacked chart with the peak, the range presets, and the API’s refusal', () => {
    const { fixture, el } = render(Host);
    expect(el.textContent).toContain('Loading…');
    fixture.componentInstance.error.set('from must be before to');
    fixture.detectChanges();
    expect(el.textContent).toContain('from must be before to');
    fixture.componentInstance.data.set(data);
    fixture.detectChanges();
    expect(el.querySelector('ngx-charts-area-chart-stacked')).not.toBeNull();
    expect(el.querySelector('mat-card-subtitle')?.textContent).toContain('at most 3 at once');
    expect(rows(el, 'mat-button-toggle')).toEqual(['Hour', 'Day', 'Week', '30 days']);
    (el.querySelectorAll('mat-button-toggle button')[2] as HTMLButtonElement).click();
    expect(fixture.componentInstance.chosen).toEqual([{ preset: 'week' }]);
  });
});
