// A Store with some methods replaced (a caching layer over the SQL store): the replacements answer for themselves,
// every other property is the store's own, methods bound to it once (so methods added to Store later pass through).
import type { Store } from './store.ts';

export function withOverrides(store: Store, overrides: Partial<Store>): Store {
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Store];
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      let b = bound.get(prop);
      if (!b) bound.set(prop, (b = v.bind(target)));
      return b;
    },
  });
}
