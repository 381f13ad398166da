import { captures } from '@somnus/contracts';
import { kubeStatus } from './kube-objects';
import { KubeApiError } from './kube-cluster';

/** A parsed `labelSelector` or `fieldSelector` query: every requirement must hold. */
export type Selector = (lookup: (key: string) => string | undefined) => boolean;

const MATCH_ALL: Selector = () => true;

function badSelector(selector: string, why: string): KubeApiError {
  return new KubeApiError(kubeStatus(400, 'BadRequest', `unable to parse requirement "${selector}": ${why}`));
}

/** Splits on commas that are not inside `( )`, so `env in (a,b),tier=dev` gives two terms. */
function terms(selector: string): string[] {
  const result: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of selector) {
    if (character === '(') depth += 1;
    if (character === ')') depth -= 1;
    if (character === ',' && depth === 0) {
      result.push(current.trim());
      current = '';
    } else current += character;
  }
  if (current.trim()) result.push(current.trim());
  return result.filter(Boolean);
}

/** Label selector syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. */
export function parseLabelSelector(selector: string | undefined): Selector {
  if (!selector) return MATCH_ALL;
  const requirements: Selector[] = terms(selector).map((term) => {
    let match = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (match) {
      const [key, operator, value] = captures(match, 3, 'label selector');
      return operator === '!=' ? (lookup) => lookup(key) !== value : (lookup) => lookup(key) === value;
    }
    match = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(term);
    if (match) {
      const [key, operator, list] = captures(match, 3, 'label selector');
      const values = list.split(',').map((value) => value.trim());
      return operator === 'in'
        ? (lookup) => values.includes(lookup(key) ?? '\u0000')
        : (lookup) => !values.includes(lookup(key) ?? '\u0000');
    }
    match = /^(!?)([\w./-]+)$/.exec(term);
    if (match) {
      const [not, key] = captures(match, 2, 'label selector');
      return not ? (lookup) => lookup(key) === undefined : (lookup) => lookup(key) !== undefined;
    }
    throw badSelector(term, 'expected key=value, key!=value, key in (...), key notin (...), key or !key');
  });
  return (lookup) => requirements.every((requirement) => requirement(lookup));
}

/** Field selector syntax: `k=v`, `k==v`, `k!=v` over dotted field paths such as `spec.nodeName`. */
export function parseFieldSelector(selector: string | undefined): Selector {
  if (!selector) return MATCH_ALL;
  const requirements: Selector[] = terms(selector).map((term) => {
    const match = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!match) throw badSelector(term, 'expected field=value or field!=value');
    const [key, operator, value] = captures(match, 3, 'field selector');
    return operator === '!=' ? (lookup) => (lookup(key) ?? '') !== value : (lookup) => (lookup(key) ?? '') === value;
  });
  return (lookup) => requirements.every((requirement) => requirement(lookup));
}

/** Reads a dotted path (`spec.nodeName`) from an object as the string a field selector compares with. */
export function fieldOf(object: unknown, path: string): string | undefined {
  let value: unknown = object;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  if (value === undefined || value === null) return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
