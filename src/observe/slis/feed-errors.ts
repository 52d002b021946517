// Structural errors in a feed page: duplicates within a page or across consecutive pages of one reader's
// pagination, and (following feed only) createdAt not descending. Pure; the caller keeps the previous page.
import { parseIsoTime } from './iso-time.ts';

export interface PageErrors {
  duplicatesInPage: number;
  duplicatesAcrossPages: number;
  /** Adjacent pairs where a later item is newer than the one before it (following feed is reverse-chronological). */
  orderingViolations: number;
}

export function pageErrors(
  items: readonly { id: string; createdAt: string }[],
  previousPageIds: { has(id: string): boolean } | undefined,
  checkOrder: boolean,
  /** When given (at least items.length long), receives each item's createdAt as epoch ms (NaN if unparseable) when checkOrder. */
  times?: Float64Array,
): PageErrors {
  const seen = new Set<string>();
  let duplicatesInPage = 0;
  let duplicatesAcrossPages = 0;
  let orderingViolations = 0;
  let previousTime = Infinity;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (seen.has(item.id)) duplicatesInPage++;
    else {
      seen.add(item.id);
      if (previousPageIds?.has(item.id)) duplicatesAcrossPages++;
    }
    if (checkOrder) {
      const t = parseIsoTime(item.createdAt);
      if (times) times[i] = t;
      if (Number.isFinite(t)) {
        if (t > previousTime) orderingViolations++;
        previousTime = t;
      }
    }
  }
  return { duplicatesInPage, duplicatesAcrossPages, orderingViolations };
}
