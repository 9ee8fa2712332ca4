// The differences between two JSON documents (pipeline spec versions), as paths with their before and after.
export interface Change {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** Arrays of objects with an `id` (steps) are matched by id, so reordering or inserting a step reads naturally. */
export function diffJson(before: unknown, after: unknown, path = ''): Change[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isIdList(before) && isIdList(after)) {
    const changes: Change[] = [];
    const a = new Map(before.map((x) => [x.id, x]));
    const b = new Map(after.map((x) => [x.id, x]));
    for (const [id, x] of a)
      changes.push(
        ...(b.has(id)
          ? diffJson(x, b.get(id), `${path}[${id}]`)
          : [{ path: `${path}[${id}]`, kind: 'removed' as const, before: x }]),
      );
    for (const [id, x] of b) if (!a.has(id)) changes.push({ path: `${path}[${id}]`, kind: 'added', after: x });
    const order = (xs: { id: string }[]) => xs.map((x) => x.id).filter((id) => a.has(id) && b.has(id));
    if (JSON.stringify(order(before)) !== JSON.stringify(order(after)))
      changes.push({ path: `${path}(order)`, kind: 'changed', before: order(before), after: order(after) });
    return changes;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      const p = path ? `${path}.${k}` : k;
      if (!(k in after)) return [{ path: p, kind: 'removed' as const, before: before[k] }];
      if (!(k in before)) return [{ path: p, kind: 'added' as const, after: after[k] }];
      return diffJson(before[k], after[k], p);
    });
  }
  return [{ path: path || '(root)', kind: 'changed', before, after }];
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isIdList = (v: unknown): v is { id: string }[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => isObject(x) && typeof x.id === 'string');
