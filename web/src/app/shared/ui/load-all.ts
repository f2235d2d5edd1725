import type { ApiService } from '../../core/api.service';
import type { PageOf } from '../../core/protocol';

/** The API's largest page (`ListQuery.limit` maximum). */
const PAGE = 500;

/**
 * Every object of a collection, page by page, for pickers and checkbox lists that must offer
 * all hosts or groups rather than one page of them. Stops after `max` objects so a mistaken
 * call cannot loop for ever.
 */
export async function loadAll<T>(api: ApiService, resource: string, max = 20_000): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; offset < max; offset += PAGE) {
    const page = await api.get<PageOf<T>>(resource, { limit: PAGE, offset, sort: 'name' });
    out.push(...page.items);
    if (page.items.length < PAGE || out.length >= page.total) break;
  }
  return out;
}
