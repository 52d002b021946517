// The people and content a k6 script ships as JSON (loaded through SharedArray): the same seeded people and the
// same generated texts flashcrowd's own runs use, bounded in size so a script stays portable (a ConfigMap holds
// at most 1 MiB; data files go beside the script).
import type { Plan } from '../scenario/plan.ts';
import type { IdentityPolicy } from '../target/target.ts';
import { worldOf } from '../run/world.ts';

export interface DataLimits {
  /** People per cohort (default 2000). Arrivals beyond this are returning sessions of these people. */
  peoplePerCohort: number;
  /** Generated posts per cohort (default 200); sessions pick from them. */
  postsPerCohort: number;
  /** Generated comments per cohort (default 100). */
  commentsPerCohort: number;
}

export const DEFAULT_DATA_LIMITS: DataLimits = { peoplePerCohort: 2000, postsPerCohort: 200, commentsPerCohort: 100 };

export interface ExportPerson {
  handle: string;
  email: string;
  password: string;
  displayName: string;
  locale: string;
  languages: string[];
  primaryLanguage: string;
  country: string;
  tz: string;
}

export interface ExportData {
  people: Record<string, ExportPerson[]>;
  posts: Record<string, { text: string; tags: string[]; media: { kind: string; bytes: number }[]; lang: string }[]>;
  comments: Record<string, string[]>;
}

/** `identity`: the adapter's identity policy (Target.identity), merged with the scenario's as `flashcrowd run` does. */
export function buildExportData(plan: Plan, limits: DataLimits = DEFAULT_DATA_LIMITS, identity?: IdentityPolicy): ExportData {
  const { population, content } = worldOf(plan, identity);
  const data: ExportData = { people: {}, posts: {}, comments: {} };
  for (const cohort of plan.cohorts) {
    const { start, count } = population.cohortRange(cohort.name);
    const n = Math.min(count, limits.peoplePerCohort);
    const people: ExportPerson[] = [];
    for (let i = 0; i < n; i++) {
      const p = population.person(start + i);
      people.push({
        handle: p.handle,
        email: p.email,
        password: p.password,
        displayName: p.displayName,
        locale: p.locale,
        languages: p.languages,
        primaryLanguage: p.primaryLanguage,
        country: p.country,
        tz: p.tz,
      });
    }
    data.people[cohort.name] = people;
    const posts: ExportData['posts'][string] = [];
    const comments: string[] = [];
    if (n > 0) {
      for (let k = 0; k < limits.postsPerCohort; k++) {
        const author = population.person(start + (k % n));
        const g = content.post(author, cohort.content, k);
        posts.push({ text: g.text, tags: g.tags, media: g.media, lang: g.lang });
      }
      for (let k = 0; k < limits.commentsPerCohort; k++) {
        const author = population.person(start + ((k * 7) % n));
        const parent = posts[k % posts.length];
        comments.push(content.comment(author, { lang: parent?.lang ?? author.primaryLanguage, kind: 'daily_life' }, k).text);
      }
    }
    data.posts[cohort.name] = posts;
    data.comments[cohort.name] = comments;
  }
  return data;
}
