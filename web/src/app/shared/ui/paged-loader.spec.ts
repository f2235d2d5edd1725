import { PagedLoader } from './paged-loader';

/** Resolvable on demand: the test decides which answer arrives first. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('PagedLoader', () => {
  it('shows the newest query\'s page: an older answer that arrives later is dropped', async () => {
    const answers = [deferred<{ items: string[]; total: number; limit: number; offset: number }>(), deferred<{ items: string[]; total: number; limit: number; offset: number }>()];
    let call = 0;
    const list = new PagedLoader<string, string>(() => answers[call++]!.promise);
    const older = list.load('a');
    const newer = list.load('b');
    answers[1]!.resolve({ items: ['new'], total: 1, limit: 50, offset: 0 });
    await newer;
    answers[0]!.resolve({ items: ['old'], total: 9, limit: 50, offset: 0 });
    await older;
    expect(list.items()).toEqual(['new']);
    expect(list.total()).toBe(1);
    expect(list.loading()).toBe(false);
  });

  it('shows the API error and no items; a plain array counts as a whole page; a refusal drops answers on their way', async () => {
    const list = new PagedLoader<string, number>(async (n) => {
      if (n === 0) throw new Error('boom');
      return ['x', 'y'];
    });
    await list.load(0);
    expect(list.items()).toEqual([]);
    expect(list.error()).toBeTruthy();
    await list.load(1);
    expect(list.items()).toEqual(['x', 'y']);
    expect(list.total()).toBe(2);
    expect(list.error()).toBeUndefined();
    const late = deferred<string[]>();
    const slow = new PagedLoader<string, number>(() => late.promise);
    const pending = slow.load(1);
    slow.refuse('from must be before to');
    late.resolve(['stale']);
    await pending;
    expect(slow.items()).toEqual([]);
    expect(slow.error()).toBe('from must be before to');
    expect(slow.loading()).toBe(false);
  });
});
