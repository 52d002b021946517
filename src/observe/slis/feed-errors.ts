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
  const n = items.length;
  // A page is short (a feed's limit, 20 here): comparing ids pairwise costs less than building a Set per page. Longer
  // pages take the Set.
  const seen = n > SMALL_PAGE ? new Set<string>() : undefined;
  let duplicatesInPage = 0;
  let duplicatesAcrossPages = 0;
  let orderingViolations = 0;
  let previousTime = Infinity;
  for (let i = 0; i < n; i++) {
    const item = items[i];
    const id = item.id;
    if (seen ? seen.has(id) : seenBefore(items, i, id)) duplicatesInPage++;
    else {
      seen?.add(id);
      if (previousPageIds?.has(id)) duplicatesAcrossPages++;
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

const SMALL_PAGE = 48;

/** Does an item before index `i` have this id? (Same comparison as a Set's: SameValueZero, strings by content.) */
function seenBefore(items: readonly { id: string }[], i: number, id: string): boolean {
  for (let j = 0; j < i; j++) if (items[j].id === id) return true;
  return false;
}
