// "flashcrowd / Feed quality": whether the people in the surge saw fresh, complete feeds in languages they read.
// Ratios over recent reads come from counters (rate ratios, correct across harness shards and any time window);
// freshness, recall and moderation lag come from the feed-quality observer's gauges (they need its ledger).
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { RUN, q, rate, runVariable, scenarioEventsAnnotation, stat, timeseries, dashboardBase } from './common.ts';

export const FEED_QUALITY_UID = 'flashcrowd-feed-quality';

export function feedQuality(): Dashboard {
  const discover = `${RUN}, kind="discover"`;
  const items = 'flashcrowd_feed_items_total';
  const byLang = ['language'];
  const share = (numerator: string, denominator: string) => `${numerator} / ${denominator}`;

  return dashboardBase('flashcrowd / Feed quality', FEED_QUALITY_UID, 'Feed freshness, recall, language mix per reader language, translation, moderation and degradation during a flashcrowd run.', ['flashcrowd', 'load-test', 'feed-quality'])
    .withVariable(runVariable())
    .annotation(scenarioEventsAnnotation())

    .withRow(new RowBuilder('Headline'))
    .withPanel(stat('Freshness p95', [q(`max(flashcrowd_feed_freshness_seconds{${RUN}, language="all", percentile="p95"})`, 'p95')], { unit: 's' }))
    .withPanel(stat('Recall@k (mean)', [q(`min(flashcrowd_feed_recall_ratio{${RUN}, language="all"})`, 'mean')], { unit: 'percentunit' }))
    .withPanel(
      stat('Degraded responses', [q(share(rate('flashcrowd_feed_reads_total', `${RUN}, degraded!="none"`), rate('flashcrowd_feed_reads_total', RUN)), 'degraded')], {
        unit: 'percentunit',
      }),
    )
    .withPanel(stat('Moderation lag p95', [q(`max(flashcrowd_moderation_lag_seconds{${RUN}, percentile="p95"})`, 'p95')], { unit: 's' }))
    .withPanel(
      stat('Lost writes', [q(`max(flashcrowd_audit_lost_writes{${RUN}})`, 'lost')], {
        description: 'Acknowledged writes the target no longer has, from the post-run audit. Anything above 0 is a failure.',
      }),
    )
    .withPanel(stat('Audited writes', [q(`max(flashcrowd_audit_checked_writes{${RUN}})`, 'checked')]))

    .withRow(new RowBuilder('Following feed'))
    .withPanel(
      timeseries(
        'Freshness by reader language',
        [q(`max by (language, percentile) (flashcrowd_feed_freshness_seconds{${RUN}})`, '{{language}} {{percentile}}')],
        { unit: 's', description: 'Time from a post\'s acknowledgement until it first appears in a follower\'s following feed (probe readers).' },
      ),
    )
    .withPanel(
      timeseries(
        'Recall@k by reader language',
        [
          q(`min by (language) (flashcrowd_feed_recall_ratio{${RUN}})`, '{{language}} mean'),
          q(`min by (language) (flashcrowd_feed_recall_p5_ratio{${RUN}})`, '{{language}} p5'),
        ],
        { unit: 'percentunit', min: 0, max: 1, description: 'Share of followed posts that should be in the top k of a following-feed read and are.' },
      ),
    )

    .withRow(new RowBuilder('Discover feed: language'))
    .withPanel(
      timeseries(
        'Foreign share per reader language',
        [
          q(share(rate(items, `${discover}, class!="native"`, byLang), rate(items, discover, byLang)), '{{language}}'),
          q(`max by (language) (flashcrowd_feed_foreign_share_ratio{${RUN}})`, '{{language}} (run so far)'),
        ],
        {
          unit: 'percentunit',
          min: 0,
          max: 1,
          description: 'Share of discover items not in the reader\'s primary language. A surge of English posts floods Chinese readers\' feeds when the ranker falls back to recency.',
        },
      ),
    )
    .withPanel(
      timeseries(
        'Language match per reader language',
        [
          q(share(rate(items, `${discover}, class!="unreadable"`, byLang), rate(items, discover, byLang)), '{{language}}'),
          q(`min by (language) (flashcrowd_feed_language_match_ratio{${RUN}})`, '{{language}} (run so far)'),
        ],
        { unit: 'percentunit', min: 0, max: 1, description: 'Share of discover items in any language the reader reads.' },
      ),
    )
    .withPanel(
      timeseries('Discover items by class', [q(rate(items, discover, ['class']), '{{class}}')], {
        unit: 'short',
        stack: true,
        description: 'native: the reader\'s primary language; readable_foreign: another language they read; unreadable: neither.',
      }),
    )
    .withPanel(
      timeseries('Feed reads per second', [q(rate('flashcrowd_feed_reads_total', RUN, ['kind', 'language']), '{{kind}} {{language}}')], {
        unit: 'reqps',
      }),
    )

    .withRow(new RowBuilder('Translation, moderation, degradation'))
    .withPanel(
      timeseries(
        'Translation coverage of foreign feed items',
        [
          q(share(rate('flashcrowd_feed_translated_items_total', RUN, byLang), rate(items, `${RUN}, class!="native"`, byLang)), '{{language}}'),
          q(`min by (language) (flashcrowd_translation_coverage_ratio{${RUN}})`, '{{language}} (run so far)'),
        ],
        { unit: 'percentunit', min: 0, max: 1 },
      ),
    )
    .withPanel(
      timeseries('Translation lookups by outcome', [q(rate('flashcrowd_translation_lookups_total', RUN, ['outcome']), '{{outcome}}')], {
        unit: 'reqps',
        stack: true,
      }),
    )
    .withPanel(
      timeseries('Moderation lag', [q(`max by (percentile) (flashcrowd_moderation_lag_seconds{${RUN}})`, '{{percentile}}')], {
        unit: 's',
        description: 'From acknowledgement of a post carrying a moderation marker until it is gone.',
      }),
    )
    .withPanel(
      timeseries(
        'Degraded feed responses by policy',
        [
          q(share(rate('flashcrowd_feed_reads_total', `${RUN}, degraded!="none"`, ['degraded']), `scalar(${rate('flashcrowd_feed_reads_total', RUN)})`), '{{degraded}}'),
          q(`max by (language) (flashcrowd_feed_degraded_ratio{${RUN}})`, '{{language}} (run so far)'),
        ],
        { unit: 'percentunit', min: 0, description: 'Responses whose `degraded` field named a policy (stale-cache, ranker-fallback, partial).' },
      ),
    )
    .build();
}
