// "flashcrowd / Reference backend": the surge mechanisms of the reference backend (social_* metrics) per replica.
// Counters that only move under stress (shedding, rate limits, ranker fallbacks, degradation, moderation drops) have
// no series until the first event; their panels fall back to 0 so a calm run reads "0", not "No data".
import {
  DashboardBuilder,
  RowBuilder,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { q, quantile, rate, stat, timeseries, dashboardBase, multiValueVariable } from './common.ts';

export const REFERENCE_BACKEND_UID = 'flashcrowd-reference-backend';

const I = 'instance=~"$instance"';
const http = 'social_http_request_duration_seconds';

function instanceVariable() {
  return multiValueVariable('instance', 'Replica', 'label_values(social_process_start_time_seconds, instance)');
}

/** For counters whose series appear with their first event: 0 until then. */
const orZero = (expr: string) => `(${expr}) or vector(0)`;

export function referenceBackend(): Dashboard {
  const builder = dashboardBase('flashcrowd / Reference backend', REFERENCE_BACKEND_UID, 'Route latency, admission control, store, fan-out, ranking, translation, moderation and process health of the reference social backend.', ['flashcrowd', 'social-backend'])
    .withVariable(instanceVariable());
  return [httpRow, admissionRow, storeRow, feedsRow, translationModerationRow, processRow].reduce((b, row) => row(b), builder).build();
}

/** Row: HTTP. */
function httpRow(b: DashboardBuilder): DashboardBuilder {
  return b
    .withRow(new RowBuilder('HTTP'))
    .withPanel(stat('Replicas up', [q(`count(social_process_start_time_seconds{${I}})`, 'replicas')]))
    .withPanel(stat('Requests per second', [q(rate(`${http}_count`, I), 'rps')], { unit: 'reqps' }))
    .withPanel(
      stat('5xx share', [q(`${orZero(rate(`${http}_count`, `${I}, status_code=~"5.."`))} / ${rate(`${http}_count`, I)}`, '5xx')], {
        unit: 'percentunit',
      }),
    )
    .withPanel(stat('p99 latency', [q(quantile(0.99, http, I), 'p99')], { unit: 's' }))
    .withPanel(stat('Shed per second', [q(orZero(rate('social_shed_total', I)), 'shed')], { unit: 'reqps' }))
    .withPanel(stat('Fan-out queue', [q(`sum(social_fanout_queue_depth{${I}})`, 'queued')]))
    .withPanel(timeseries('Requests per second by route', [q(rate(`${http}_count`, I, ['route']), '{{route}}')], { unit: 'reqps', stack: true }))
    .withPanel(timeseries('Responses by status code', [q(rate(`${http}_count`, I, ['status_code']), '{{status_code}}')], { unit: 'reqps', stack: true }))
    .withPanel(timeseries('p99 latency by route', [q(quantile(0.99, http, I, ['route']), '{{route}}')], { unit: 's' }))
    .withPanel(
      timeseries('Latency by replica', [q(quantile(0.5, http, I, ['instance']), 'p50 {{instance}}'), q(quantile(0.99, http, I, ['instance']), 'p99 {{instance}}')], {
        unit: 's',
      }),
    );
}

/** Row: Admission control and rate limits. */
function admissionRow(b: DashboardBuilder): DashboardBuilder {
  return b
    .withRow(new RowBuilder('Admission control and rate limits'))
    .withPanel(
      timeseries(
        'Shed (503) per second by priority',
        [q(`${rate('social_shed_total', I, ['priority'])} or sum by (priority) (social_inflight_requests{${I}}) * 0`, '{{priority}}')],
        { unit: 'reqps', description: 'Requests refused by admission control. Sheddable work (discover extras, translation) goes first.' },
      ),
    )
    .withPanel(timeseries('In-flight requests by priority', [q(`sum by (priority) (social_inflight_requests{${I}})`, '{{priority}}')], { stack: true }))
    .withPanel(timeseries('Rate limited (429) per second by rule', [q(orZero(rate('social_rate_limited_total', I, ['rule'])), '{{rule}}')], { unit: 'reqps' }))
    .withPanel(
      timeseries(
        'Event-loop delay',
        [
          q(`max by (instance) (social_nodejs_eventloop_lag_p50_seconds{${I}})`, 'p50 {{instance}}'),
          q(`max by (instance) (social_nodejs_eventloop_lag_p99_seconds{${I}})`, 'p99 {{instance}}'),
        ],
        { unit: 's', description: 'A saturated process shows here first; admission control and the ranker use it as an overload signal.' },
      ),
    );
}

/** Row: Store. */
function storeRow(b: DashboardBuilder): DashboardBuilder {
  return b
    .withRow(new RowBuilder('Store'))
    .withPanel(
      timeseries('Query p99 by operation', [q(quantile(0.99, 'social_store_query_duration_seconds', I, ['operation']), '{{operation}}')], { unit: 's' }),
    )
    .withPanel(
      timeseries('Queries per second by outcome', [q(rate('social_store_query_duration_seconds_count', I, ['outcome']), '{{outcome}}')], {
        unit: 'reqps',
        stack: true,
      }),
    )
    .withPanel(
      timeseries(
        'Connection pool wait',
        [q(quantile(0.5, 'social_store_pool_wait_seconds', I), 'p50'), q(quantile(0.99, 'social_store_pool_wait_seconds', I), 'p99')],
        { unit: 's', description: 'Time a query waited for a pooled connection. Growing waits mean the pool, not the database, is the bottleneck.' },
      ),
    )
    .withPanel(
      timeseries(
        'Connection pool',
        [
          q(`sum(social_store_pool_connections{${I}})`, 'open'),
          q(`sum(social_store_pool_idle_connections{${I}})`, 'idle'),
          q(`sum(social_store_pool_waiting_clients{${I}})`, 'waiting'),
          q(`sum(social_store_pool_max_connections{${I}})`, 'max'),
        ],
      ),
    );
}

/** Row: Feeds: fan-out and ranking. */
function feedsRow(b: DashboardBuilder): DashboardBuilder {
  return b
    .withRow(new RowBuilder('Feeds: fan-out and ranking'))
    .withPanel(
      timeseries(
        'Fan-out queue depth and lag',
        [q(`sum(social_fanout_queue_depth{${I}})`, 'queued posts'), q(quantile(0.99, 'social_fanout_lag_seconds', I), 'lag p99', 's')],
        { description: 'Posts waiting to be written into followers\' home timelines, and how long the slowest waited.' },
      ),
    )
    .withPanel(
      timeseries(
        'Posts by delivery path',
        [q(orZero(rate('social_fanout_posts_total', I, ['path'])), '{{path}}'), q(rate('social_fanout_items_written_total', I), 'timeline entries written')],
        { unit: 'reqps', description: 'fanout: queued; celebrity: merged at read time; overflow: queue full, merged at read time.' },
      ),
    )
    .withPanel(
      timeseries('Feed build p99 by feed', [q(quantile(0.99, 'social_feed_build_duration_seconds', I, ['feed']), '{{feed}}')], { unit: 's' }),
    )
    .withPanel(
      timeseries('Degraded feed responses by reason', [q(orZero(rate('social_feed_degraded_total', I, ['feed', 'reason'])), '{{feed}} {{reason}}')], {
        unit: 'reqps',
        stack: true,
      }),
    )
    .withPanel(
      timeseries(
        'Discover ranking',
        [q(quantile(0.99, 'social_ranker_duration_seconds', I), 'ranking p99'), q(orZero(rate('social_ranker_fallback_total', I, ['cause'])), 'fallbacks {{cause}}', 'reqps')],
        { unit: 's', description: 'When overloaded the ranker falls back to recency only, which floods readers with the surge\'s language.' },
      ),
    );
}

/** Row: Translation and moderation. */
function translationModerationRow(b: DashboardBuilder): DashboardBuilder {
  return b
    .withRow(new RowBuilder('Translation and moderation'))
    .withPanel(
      timeseries(
        'Translation provider',
        [
          q(`sum(social_translation_queue_depth{${I}})`, 'queued'),
          q(`max(social_translation_enabled{${I}})`, 'enabled'),
          q(orZero(quantile(0.95, 'social_translation_latency_seconds', I)), 'latency p95', 's'),
        ],
        { description: 'The simulated MT provider: waiting requests, on/off, and latency including the wait for a slot.' },
      ),
    )
    .withPanel(
      timeseries(
        'Translation cache hit ratio',
        [q(orZero(`${rate('social_translation_cache_total', `${I}, outcome="hit"`)} / ${rate('social_translation_cache_total', I)}`), 'hit ratio')],
        { unit: 'percentunit', min: 0, max: 1 },
      ),
    )
    .withPanel(
      timeseries(
        'Moderation queue',
        [
          q(`sum(social_moderation_backlog{${I}})`, 'backlog'),
          q(rate('social_moderation_dropped_total', I), 'dropped (queue full)', 'reqps'),
          q(quantile(0.95, 'social_moderation_decision_lag_seconds', I), 'decision lag p95', 's'),
        ],
      ),
    )
    .withPanel(
      timeseries(
        'Moderation flags and removals',
        [
          q(orZero(rate('social_moderation_flagged_total', I, ['reason'])), 'flagged {{reason}}'),
          q(orZero(rate('social_moderation_removals_total', I, ['category'])), 'removed {{category}}'),
        ],
        { unit: 'reqps' },
      ),
    );
}

/** Row: Process. */
function processRow(b: DashboardBuilder): DashboardBuilder {
  return b
    .withRow(new RowBuilder('Process'))
    .withPanel(
      timeseries(
        'Memory by replica',
        [
          q(`sum by (instance) (social_process_resident_memory_bytes{${I}})`, 'rss {{instance}}'),
          q(`sum by (instance) (social_nodejs_heap_size_used_bytes{${I}})`, 'heap used {{instance}}'),
        ],
        { unit: 'bytes' },
      ),
    )
    .withPanel(timeseries('CPU by replica', [q(rate('social_process_cpu_seconds_total', I, ['instance']), '{{instance}}')], { unit: 'percentunit' }));
}
