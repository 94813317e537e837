/**
 * Walks a parsed request body or query without recursion, so hostile nesting (a JSON body of
 * 50,000 nested arrays fits in 100 kB) cannot overflow the stack: every string value and every
 * field name is visited once with its path, and the walk reports nesting deeper than `maxDepth`.
 */
export interface InputVisit {
  /** Dotted path of the value, e.g. `location.lat` or `targetGroups[1]`; empty for the whole input. */
  path: string;
  /** The key, for a field name; undefined for a string value. */
  key?: string;
  /** The string value, for a value; undefined for a field name. */
  text?: string;
}

export const MAX_INPUT_DEPTH = 32;

/** Every string and field name of the input, or `tooDeep` with the path where nesting passed the limit. */
export function walkInput(input: unknown, maxDepth = MAX_INPUT_DEPTH): { visits: InputVisit[]; tooDeep?: string } {
  const visits: InputVisit[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: input, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      visits.push({ path, text: value });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return { visits, tooDeep: path || '(body)' };
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, path: `${path}[${index}]`, depth: depth + 1 }));
    } else {
      for (const [key, item] of Object.entries(value)) {
        const child = path ? `${path}.${key}` : key;
        visits.push({ path: child, key });
        stack.push({ value: item, path: child, depth: depth + 1 });
      }
    }
  }
  return { visits };
}
