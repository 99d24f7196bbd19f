/**
 * Namespace uniqueness (contract §2): consumes (imports by their local name), exposes, binds and
 * aggregates share one space, since `call`, `ref`, templates and `with` all address by namespace.
 */
import type { Path } from '../diagnostic-sink.js';
import { isObj, objectsIn } from '../walk.js';
import type { SemanticRule } from './rule.js';

export const namespaceDuplicate: SemanticRule = {
  id: 'namespace-duplicate',
  severity: 'error',
  summary:
    'Namespaces are unique across consumes (imports by `as`/`import`), exposes, binds and aggregates.',
  check(ctx, report) {
    const doc: unknown = ctx.doc;
    if (!isObj(doc)) return;
    const entries: [string, Path, string][] = [];
    const collect = (parent: unknown, key: string, base: Path, kind: string) => {
      for (const [item, path] of objectsIn(parent, key, base)) {
        if (typeof item.namespace === 'string') {
          entries.push([item.namespace, [...path, 'namespace'], kind]);
        } else if (typeof item.import === 'string') {
          const field = typeof item.as === 'string' ? 'as' : 'import';
          entries.push([item[field] as string, [...path, field], 'imported consumes']);
        }
      }
    };
    collect(doc, 'consumes', [], 'consumes');
    collect(doc, 'binds', [], 'binds');
    collect(doc.capability, 'consumes', ['capability'], 'consumes');
    collect(doc.capability, 'exposes', ['capability'], 'exposes');
    collect(doc.capability, 'binds', ['capability'], 'binds');
    collect(doc.capability, 'aggregates', ['capability'], 'aggregates');

    const first = new Map<string, string>();
    for (const [namespace, path, kind] of entries) {
      const earlier = first.get(namespace);
      if (earlier === undefined) first.set(namespace, kind);
      else report(`namespace "${namespace}" (${kind}) is already used by ${earlier}`, path);
    }
  },
};
