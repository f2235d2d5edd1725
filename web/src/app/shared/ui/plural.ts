import { Pipe, type PipeTransform } from '@angular/core';

/**
 * The console's plural forms, chosen by the platform's CLDR plural rules (`Intl.PluralRules`)
 * rather than by `n === 1`, so "1 host", "2 hosts" and "0 hosts" come out right (issue 21:
 * "1 hosts monitored", "last 1 results"). The console's texts are English, hence `en`.
 */
const rules = new Intl.PluralRules('en');

/** `count(1, 'host', 'hosts')` → "1 host"; `count(3, 'host', 'hosts')` → "3 hosts". */
export function count(n: number, one: string, other: string): string {
  return `${n.toLocaleString('en')} ${plural(n, one, other)}`;
}

/** The word alone: `plural(2, 'was', 'were')` → "were". */
export function plural(n: number, one: string, other: string): string {
  return rules.select(n) === 'one' ? one : other;
}

/** `{{ hosts().length | count: 'host' : 'hosts' }}` in templates. */
@Pipe({ name: 'count' })
export class CountPipe implements PipeTransform {
  transform(n: number | null | undefined, one: string, other: string): string {
    return count(n ?? 0, one, other);
  }
}
