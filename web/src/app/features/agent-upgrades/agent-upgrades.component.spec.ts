import { TestBed } from '@angular/core/testing';
import type { HttpTestingController } from '@angular/common/http/testing';
import type { AgentPackagesResponse, AgentUpgradeHost, AgentUpgradeRollout, HostGroup } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { page, setUpPage, settle } from '../../shared/ui/page-testing';
import { AgentUpgradesComponent } from './agent-upgrades.component';
import { hostUpgradeText, rolloutInput, stageText } from './agent-upgrades';

const SHA = 'a'.repeat(64);
const packagesOf = (approved: boolean): AgentPackagesResponse => ({
  available: { version: '0.3.0', node: '24.11.0', approved, packages: [{ platform: 'linux-x64', file: 'prophasis-agent-linux-x64.tar.gz', sha256: SHA, size: 50 }] },
  approved: approved
    ? [{ version: '0.3.0', approvedBy: 'admin', approvedAt: Date.UTC(2026, 11, 1), packages: [{ platform: 'linux-x64', file: 'prophasis-agent-linux-x64.tar.gz', sha256: SHA, size: 50, keyId: SHA, url: '/downloads/versions/0.3.0/prophasis-agent-linux-x64.tar.gz' }] }]
    : [],
});
const rollout = (over: Partial<AgentUpgradeRollout> = {}): AgentUpgradeRollout => ({
  id: 5,
  version: '0.3.0',
  stages: [
    { groupIds: [7], hosts: 2, upgraded: 2, failed: 0 },
    { groupIds: [], hosts: 3, upgraded: 0, failed: 1 },
  ],
  stage: 0,
  promoteAtPercent: 100,
  autoPromote: true,
  state: 'running',
  createdBy: 'admin',
  createdAt: Date.UTC(2026, 11, 2),
  updatedAt: Date.UTC(2026, 11, 2),
  ...over,
});
const hosts: AgentUpgradeHost[] = [
  { hostId: 1, name: 'web-1', agentVersion: '0.3.0', platform: 'linux-x64', upgrade: { rolloutId: 5, version: '0.3.0', stage: 0, status: 'upgraded', reason: null, updatedAt: 1 }, lastUpgrade: null },
  {
    hostId: 2,
    name: 'db-1',
    agentVersion: '0.2.0',
    platform: 'linux-x64',
    upgrade: { rolloutId: 5, version: '0.3.0', stage: 1, status: 'refused', reason: 'AGENT_UPGRADE_HASH_MISMATCH: the download has SHA-256 00, the core offered ff', updatedAt: 1 },
    lastUpgrade: null,
  },
  { hostId: 3, name: 'old', agentVersion: null, platform: null, upgrade: null, lastUpgrade: null },
];
const groups: HostGroup[] = [{ id: 7, name: 'canary', description: '', hostIds: [], groupIds: [], createdAt: 1, updatedAt: 1 }];

describe('AgentUpgradesComponent', () => {
  let http: HttpTestingController;
  afterEach(() => {
    http.verify();
    vi.restoreAllMocks();
  });

  /** Answers the page's four loads. */
  function answerLoads(state: { packages: AgentPackagesResponse; rollouts: AgentUpgradeRollout[] }) {
    http.expectOne('/api/agent-upgrades/packages').flush(state.packages);
    http.expectOne('/api/agent-upgrades/rollouts').flush({ items: state.rollouts });
    http.expectOne('/api/agent-upgrades/hosts').flush({ items: hosts });
    http.expectOne((r) => r.url === '/api/groups').flush(page(groups));
  }
  async function render(state: { packages: AgentPackagesResponse; rollouts: AgentUpgradeRollout[] }) {
    const fixture = TestBed.createComponent(AgentUpgradesComponent);
    fixture.detectChanges();
    await settle(fixture);
    answerLoads(state);
    await settle(fixture);
    return { fixture, el: fixture.nativeElement as HTMLElement };
  }
  const click = (el: ParentNode, selector: string) => el.querySelector<HTMLButtonElement>(selector)!.click();
  const text = (el: ParentNode | null | undefined) => el?.textContent?.replace(/\s+/g, ' ').trim();

  it('approves the version the core serves after a confirmation, then offers it for a rollout', async () => {
    http = setUpPage('admin');
    const confirm = vi.spyOn(TestBed.inject(ConfirmService), 'confirm').mockResolvedValue(true);
    const { fixture, el } = await render({ packages: packagesOf(false), rollouts: [] });
    expect(text(el.querySelector('.offer'))).toContain('This core serves 0.3.0 (Node.js 24.11.0) for linux-x64.');
    expect(text(el.querySelector('.start'))).toContain('Approve a version first.');

    click(el, 'button.approve');
    await settle(fixture);
    expect(confirm).toHaveBeenCalledOnce();
    const req = http.expectOne('/api/agent-upgrades/versions');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ version: '0.3.0' });
    req.flush(packagesOf(true).approved[0]!, { status: 201, statusText: 'Created' });
    await settle(fixture);
    answerLoads({ packages: packagesOf(true), rollouts: [] });
    await settle(fixture);
    expect(el.querySelector('button.approve')).toBeNull();
    expect([...el.querySelectorAll('.approved tbody td')].slice(0, 3).map(text)).toEqual(['0.3.0', 'linux-x64', 'admin']);
    expect(el.querySelector('button.start-rollout')).not.toBeNull();
  });

  it('starts a staged rollout to the chosen groups, then every other host; shows its stages, promotes and aborts', async () => {
    http = setUpPage('admin');
    vi.spyOn(TestBed.inject(ConfirmService), 'confirm').mockResolvedValue(true);
    const { fixture, el } = await render({ packages: packagesOf(true), rollouts: [] });
    (fixture.componentInstance as unknown as { setStage(i: number, ids: number[]): void }).setStage(0, [7]);
    click(el, 'button.start-rollout');
    await settle(fixture);
    const req = http.expectOne('/api/agent-upgrades/rollouts');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ version: '0.3.0', stages: [{ groupIds: [7] }, { groupIds: [] }], promoteAtPercent: 100, autoPromote: true });
    req.flush(rollout(), { status: 201, statusText: 'Created' });
    await settle(fixture);
    answerLoads({ packages: packagesOf(true), rollouts: [rollout()] });
    await settle(fixture);

    const row = el.querySelector('.rollouts tr[data-id="5"]')!;
    expect(text(row.querySelector('.state'))).toBe('Stage 1 of 2');
    expect([...row.querySelectorAll('.stages div')].map(text)).toEqual(['1. canary: 2 of 2 upgraded', '2. every other host: 0 of 3 upgraded, 1 failed']);

    click(row, 'button.promote');
    await settle(fixture);
    http.expectOne('/api/agent-upgrades/rollouts/5/promote').flush(rollout({ stage: 1 }));
    await settle(fixture);
    answerLoads({ packages: packagesOf(true), rollouts: [rollout({ stage: 1 })] });
    await settle(fixture);
    const promoted = el.querySelector('.rollouts tr[data-id="5"]')!;
    expect(text(promoted.querySelector('.state'))).toBe('Stage 2 of 2');
    expect(promoted.querySelector('button.promote')).toBeNull();

    click(promoted, 'button.abort');
    await settle(fixture);
    http.expectOne('/api/agent-upgrades/rollouts/5/abort').flush(rollout({ stage: 1, state: 'aborted' }));
    await settle(fixture);
    answerLoads({ packages: packagesOf(true), rollouts: [rollout({ stage: 1, state: 'aborted' })] });
    await settle(fixture);
    expect(text(el.querySelector('.rollouts tr[data-id="5"] .state'))).toBe('aborted');
    expect(el.querySelector('.rollouts tr[data-id="5"] button')).toBeNull();
  });

  it("shows each host's agent version and upgrade state, a refusal with its reason; an API refusal appears as its message", async () => {
    http = setUpPage('admin');
    const { fixture, el } = await render({ packages: packagesOf(true), rollouts: [rollout()] });
    const rows = [...el.querySelectorAll('.hosts tbody tr')].map((r) => ['.name', '.agent-version', '.platform', '.upgrade'].map((c) => text(r.querySelector(c)) ?? ''));
    expect(rows).toEqual([
      ['web-1', '0.3.0', 'linux-x64', 'Upgraded (0.3.0)'],
      ['db-1', '0.2.0', 'linux-x64', 'Refused by the agent (0.3.0) AGENT_UPGRADE_HASH_MISMATCH: the download has SHA-256 00, the core offered ff'],
      ['old', '—', '—', '—'],
    ]);
    expect(el.querySelector('.hosts tr[data-id="2"] .upgrade')!.classList).toContain('trouble');
    expect(el.querySelector('.hosts tr[data-id="1"] .upgrade')!.classList).not.toContain('trouble');

    // Another rollout while this one runs: the API's 409 is shown, nothing else changes.
    click(el, 'button.start-rollout');
    await settle(fixture);
    http
      .expectOne('/api/agent-upgrades/rollouts')
      .flush({ code: 'CORE_AGENT_UPGRADE_ROLLOUT_RUNNING', message: 'Another agent upgrade rollout is running; let it complete or abort it first: rollout 5 (0.3.0) is at stage 1 of 2' }, { status: 409, statusText: 'Conflict' });
    await settle(fixture);
    expect(text(el.querySelector('[role="alert"]'))).toContain('Another agent upgrade rollout is running');
    expect(el.querySelectorAll('.rollouts tbody tr').length).toBe(1);
  });

  it('puts the form into the API shape and the states into words', () => {
    expect(rolloutInput({ version: '1.0.0', stages: [[3], [], [4, 5]], everyHostLast: false, promoteAtPercent: '50', autoPromote: false })).toEqual({
      version: '1.0.0',
      stages: [{ groupIds: [3] }, { groupIds: [4, 5] }],
      promoteAtPercent: 50,
      autoPromote: false,
    });
    expect(hostUpgradeText({ upgrade: null, lastUpgrade: { state: 'rolled-back', from: '0.1.0', to: '0.2.0', at: 1 } })).toBe('Last upgrade: rolled-back 0.1.0 → 0.2.0');
    expect(stageText({ groupIds: [1, 2], hosts: 4, upgraded: 3, failed: 0 }, (id) => `g${id}`)).toBe('g1, g2: 3 of 4 upgraded');
  });
});
