import { TestBed } from '@angular/core/testing';
import type { HttpTestingController } from '@angular/common/http/testing';
import type { AgentUpgradeHost } from '../../core/protocol';
import { setUpPage, settle } from '../../shared/ui/page-testing';
import { AgentUpgradeStateComponent } from './agent-upgrade-state.component';

const refused: AgentUpgradeHost = {
  hostId: 7,
  name: 'db-1',
  agentVersion: '0.2.0',
  platform: 'linux-x64',
  upgrade: { rolloutId: 5, version: '0.3.0', stage: 1, status: 'refused', reason: 'AGENT_UPGRADE_BAD_SIGNATURE: no', updatedAt: 1 },
  lastUpgrade: null,
};

describe('AgentUpgradeStateComponent (host page)', () => {
  let http: HttpTestingController;
  afterEach(() => http.verify());

  async function render() {
    const fixture = TestBed.createComponent(AgentUpgradeStateComponent);
    fixture.componentRef.setInput('hostId', 7);
    fixture.detectChanges();
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }

  it("shows an administrator the host's upgrade state with the agent's reason, and links to Agent upgrades", async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render();
    http.expectOne('/api/agent-upgrades/hosts/7').flush(refused);
    await settle(fixture);
    const line = el.querySelector('.agent-upgrade')!;
    expect(line.textContent?.replace(/\s+/g, ' ').trim()).toBe('Agent upgrade: Refused by the agent (0.3.0) AGENT_UPGRADE_BAD_SIGNATURE: noAgent upgrades');
    expect(line.classList).toContain('trouble');
    expect(line.querySelector('a')?.getAttribute('href')).toBe('/agent-upgrades');
  });

  it('says nothing for a host that never had an upgrade, nor when the host has no agent', async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render();
    http.expectOne('/api/agent-upgrades/hosts/7').flush({ ...refused, upgrade: null });
    await settle(fixture);
    expect(el.querySelector('.agent-upgrade')).toBeNull();
    fixture.componentRef.setInput('hostId', 8);
    await settle(fixture);
    http.expectOne('/api/agent-upgrades/hosts/8').flush({ code: 'CORE_API_NOT_FOUND', message: 'Not found' }, { status: 404, statusText: 'Not Found' });
    await settle(fixture);
    expect(el.querySelector('.agent-upgrade')).toBeNull();
  });

  it('asks nothing for an operator or a viewer (the route is for administrators)', async () => {
    http = setUpPage('operator');
    const { el } = await render();
    http.expectNone('/api/agent-upgrades/hosts/7');
    expect(el.textContent?.trim()).toBe('');
  });
});
