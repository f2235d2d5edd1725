import { TestBed } from '@angular/core/testing';
import type { HttpTestingController } from '@angular/common/http/testing';
import type { Service } from '../../core/protocol';
import { answerAll, settle, setUpPage } from '../../shared/ui/page-testing';
import { PickerService } from '../../shared/ui/picker-dialog.component';
import { ServiceFormComponent } from './service-form.component';
import { addGroup, addMembers, groupProblems, memberKey, parseMemberKey, removeGroup, removeMember, updateGroup } from './service-structure';

const host = (id: number) => ({ kind: 'host' as const, id });
const group = (id: number) => ({ kind: 'group' as const, id });

describe('service structure editing', () => {
  it('adds members once, in order, and removes exactly the one asked for', () => {
    const list = addMembers([host(1)], [group(2), host(1), host(3), group(2)]);
    expect(list).toEqual([host(1), group(2), host(3)]);
    expect(removeMember(list, host(1))).toEqual([group(2), host(3)]);
    expect(removeMember(list, host(9))).toEqual(list);
    // A host and a group with the same id are different members.
    expect(removeMember([host(2), group(2)], group(2))).toEqual([host(2)]);
    expect(parseMemberKey(memberKey(group(7)))).toEqual(group(7));
    expect(parseMemberKey('service:1')).toBeUndefined();
  });

  it('adds, renames and removes redundancy groups with names the API accepts', () => {
    let groups = addGroup([]);
    groups = addGroup(groups);
    expect(groups.map((g) => g.name)).toEqual(['group 1', 'group 2']);
    groups = updateGroup(groups, 0, (g) => ({ ...g, name: 'group 3', members: [host(1)] }));
    groups = addGroup(groups);
    expect(groups.map((g) => g.name)).toEqual(['group 3', 'group 2', 'group 4']);
    groups = removeGroup(groups, 1);
    expect(groups.map((g) => g.name)).toEqual(['group 3', 'group 4']);
  });

  it('says what keeps a redundancy group from being saved', () => {
    const problems = groupProblems([
      { name: 'web', members: [host(1)] },
      { name: 'web', members: [host(2)] },
      { name: ' ', members: [host(3)] },
      { name: 'empty', members: [] },
    ]);
    expect([...problems.entries()]).toEqual([
      [1, 'Another group is already called “web”.'],
      [2, 'Give the group a name.'],
      [3, 'Add at least one member, or remove the group.'],
    ]);
  });
});

describe('ServiceFormComponent boxes', () => {
  let http: HttpTestingController;
  const picked: string[][] = [];

  const data = {
    hosts: [
      { id: 1, name: 'web-1', description: '' },
      { id: 2, name: 'web-2', description: '' },
      { id: 3, name: 'db', description: '' },
    ],
    groups: [{ id: 5, name: 'databases', description: '' }],
    'services/4': {
      id: 4,
      name: 'shop',
      description: '',
      dependencies: [group(5)],
      redundancyGroups: [{ name: 'front ends', members: [host(1)] }],
      createdAt: 0,
      updatedAt: 0,
    } satisfies Service,
  };

  let queue: string[][] = [];
  beforeEach(() => {
    picked.length = 0;
    queue = [];
    // The picker dialog answers what the test queued, and remembers what it was told to exclude.
    const picker = {
      pick: (options: { exclude?: string[] }) => {
        picked.push(options.exclude ?? []);
        return Promise.resolve(queue.shift() ?? []);
      },
    };
    http = setUpPage('admin', [{ provide: PickerService, useValue: picker }]);
  });
  afterEach(() => http.verify());

  function click(el: HTMLElement, label: string): void {
    const button = [...el.querySelectorAll<HTMLButtonElement>('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').includes(label));
    if (!button) throw new Error(`no button ${label}`);
    button.click();
  }

  const members = (el: HTMLElement, box: string) => [...el.querySelectorAll(`${box} .member`)].map((m) => m.getAttribute('data-member'));

  it('adds members through the picker, removes them with ×, and saves the boxes as the API wants them', async () => {
    const fixture = TestBed.createComponent(ServiceFormComponent);
    fixture.componentRef.setInput('id', '4');
    fixture.detectChanges();
    await answerAll(http, fixture, data);
    const el = fixture.nativeElement as HTMLElement;
    expect(members(el, '.dependencies')).toEqual(['group:5']);
    expect(members(el, '.redundancy')).toEqual(['host:1']);

    // Add a dependency: the picker is told what is there already.
    queue = [['host:3']];
    click(el, 'Add dependency');
    await settle(fixture);
    expect(picked[0]).toEqual(['group:5']);
    expect(members(el, '.dependencies')).toEqual(['group:5', 'host:3']);

    // Add a member to the redundancy group, then remove the first one with its ×.
    queue = [['host:2']];
    click(el, 'Add member');
    await settle(fixture);
    expect(members(el, '.redundancy')).toEqual(['host:1', 'host:2']);
    click(el, 'Remove web-1 from front ends');
    await settle(fixture);
    expect(members(el, '.redundancy')).toEqual(['host:2']);
    click(el, 'Remove databases from dependencies');
    await settle(fixture);
    expect(members(el, '.dependencies')).toEqual(['host:3']);

    // A new redundancy group without members blocks saving and says why.
    click(el, 'Add redundancy group');
    await settle(fixture);
    expect(el.querySelectorAll('.redundancy').length).toBe(2);
    click(el, 'Save');
    await settle(fixture);
    http.expectNone('/api/services/4');
    expect(el.querySelector('.box-error')?.textContent).toContain('Add at least one member, or remove the group.');
    click(el, 'Remove redundancy group group 2');
    await settle(fixture);

    click(el, 'Save');
    const req = http.expectOne((r) => r.method === 'PUT' && r.url === '/api/services/4');
    expect(req.request.body).toEqual({
      name: 'shop',
      description: '',
      dependencies: [host(3)],
      redundancyGroups: [{ name: 'front ends', members: [host(2)] }],
    });
    req.flush(data['services/4']);
    await settle(fixture);
  });
});
