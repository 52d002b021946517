// The dashboards flashcrowd ships, and their rendering to dashboards/*.json (`flashcrowd dashboards`).
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { toJson } from './common.ts';
import { feedQuality } from './feed-quality.ts';
import { referenceBackend } from './reference-backend.ts';
import { surgeOverview } from './surge-overview.ts';

export interface DashboardDefinition {
  /** File name under dashboards/. */
  file: string;
  build(): Dashboard;
}

export const DASHBOARDS: readonly DashboardDefinition[] = [
  { file: 'surge-overview.json', build: surgeOverview },
  { file: 'feed-quality.json', build: feedQuality },
  { file: 'reference-backend.json', build: referenceBackend },
];

/** File name -> JSON text, in a fixed order; the same bytes on every call. */
export function renderDashboards(): Map<string, string> {
  return new Map(DASHBOARDS.map((d) => [d.file, toJson(d.build())]));
}
