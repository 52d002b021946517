// "flashcrowd / Surge overview": what the harness intended, what it achieved, and what users waited.
import { RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  COHORT,
  RUN,
  cohortVariable,
  q,
  quantile,
  rate,
  runVariable,
  scenarioEventsAnnotation,
  stat,
  timeseries,
  dashboardBase
} from './common.ts';

export const SURGE_OVERVIEW_UID = 'flashcrowd-surge-overview';

export function surgeOverview(): Dashboard {
  const rc = `${RUN}, ${COHORT}`;
  const errors = `${RUN}, outcome!="ok"`;
  const latency = 'flashcrowd_request_duration_seconds';
  const corrected = 'flashcrowd_request_corrected_duration_seconds';

  return dashboardBase('flashcrowd / Surge overview', SURGE_OVERVIEW_UID, 'Arrivals intended vs started vs dropped, throughput, errors and latency of a flashcrowd run.', ['flashcrowd', 'load-test'])
    .withVariable(runVariable())
    .withVariable(cohortVariable())
    .annotation(scenarioEventsAnnotation())

    .withRow(new RowBuilder('Run'))
    .withPanel(stat('Intended arrivals', [q(`sum(flashcrowd_arrivals_intended_total{${rc}})`, 'intended')]))
    .withPanel(stat('Dropped arrivals', [q(`sum(flashcrowd_arrivals_dropped_total{${rc}})`, 'dropped')]))
    .withPanel(
      stat('Dropped share', [q(`sum(flashcrowd_arrivals_dropped_total{${rc}}) / sum(flashcrowd_arrivals_intended_total{${rc}})`, 'dropped')], {
        unit: 'percentunit',
      }),
    )
    .withPanel(stat('Requests', [q(`sum(flashcrowd_requests_total{${RUN}})`, 'requests')]))
    .withPanel(stat('Failed requests', [q(`sum(flashcrowd_requests_total{${errors}})`, 'errors')]))
    .withPanel(
      stat('Scenario phase', [q(`max(flashcrowd_scenario_phase{${RUN}})`, 'events fired')], {
        description: 'Number of scenario events (translation launch, second shock, ...) fired so far.',
      }),
    )

    .withRow(new RowBuilder('Arrivals'))
    .withPanel(
      timeseries(
        'Arrivals: planned vs intended vs started vs dropped',
        [
          q(`sum(flashcrowd_planned_arrival_rate{${rc}})`, 'planned'),
          q(rate('flashcrowd_arrivals_intended_total', rc), 'intended'),
          q(rate('flashcrowd_arrivals_started_total', rc), 'started'),
          q(rate('flashcrowd_arrivals_dropped_total', rc), 'dropped'),
        ],
        { unit: 'reqps', description: 'Open-model arrivals per second. Dropped arrivals hit the in-flight cap and never started.' },
      ),
    )
    .withPanel(
      timeseries('Started arrivals by cohort', [q(rate('flashcrowd_arrivals_started_total', rc, ['cohort']), '{{cohort}}')], {
        unit: 'reqps',
        stack: true,
      }),
    )
    .withPanel(
      timeseries('Sessions in flight by cohort', [q(`sum by (cohort) (flashcrowd_sessions_active{${rc}})`, '{{cohort}}')], { stack: true }),
    )
    .withPanel(
      timeseries(
        'Schedule lag',
        [
          q(quantile(0.5, 'flashcrowd_schedule_lag_seconds', RUN), 'p50'),
          q(quantile(0.99, 'flashcrowd_schedule_lag_seconds', RUN), 'p99'),
        ],
        { unit: 's', description: 'How late sessions started relative to the schedule. A growing lag means the harness itself is saturated.' },
      ),
    )

    .withRow(new RowBuilder('Requests'))
    .withPanel(
      timeseries('Requests per second by endpoint', [q(rate('flashcrowd_requests_total', RUN, ['endpoint']), '{{endpoint}}')], {
        unit: 'reqps',
        stack: true,
      }),
    )
    .withPanel(
      timeseries('Errors per second by outcome', [q(rate('flashcrowd_requests_total', errors, ['outcome']), '{{outcome}}')], {
        unit: 'reqps',
        stack: true,
        description: 'Failed requests by class: connect_refused, reset, timeout, http_4xx, http_5xx, protocol, aborted, other.',
      }),
    )
    .withPanel(
      timeseries('Error ratio', [q(`${rate('flashcrowd_requests_total', errors)} / ${rate('flashcrowd_requests_total', RUN)}`, 'errors / requests')], {
        unit: 'percentunit',
        min: 0,
      }),
    )
    .withPanel(
      timeseries(
        'Signups and posts per second',
        [q(rate('flashcrowd_signups_total', rc), 'signups'), q(rate('flashcrowd_posts_total', RUN, ['lang']), 'posts ({{lang}})')],
        { unit: 'reqps' },
      ),
    )

    .withRow(new RowBuilder('Latency'))
    .withPanel(
      timeseries(
        'Response time from intended start (corrected)',
        [
          q(quantile(0.5, corrected, RUN), 'p50'),
          q(quantile(0.9, corrected, RUN), 'p90'),
          q(quantile(0.99, corrected, RUN), 'p99'),
        ],
        { unit: 's', description: 'Measured from when the request should have been sent: includes queueing the users would feel (coordinated omission corrected).' },
      ),
    )
    .withPanel(
      timeseries(
        'Service time',
        [q(quantile(0.5, latency, RUN), 'p50'), q(quantile(0.9, latency, RUN), 'p90'), q(quantile(0.99, latency, RUN), 'p99')],
        { unit: 's', description: 'Measured from when the request was actually sent.' },
      ),
    )
    .withPanel(timeseries('p99 corrected response time by endpoint', [q(quantile(0.99, corrected, RUN, ['endpoint']), '{{endpoint}}')], { unit: 's' }))
    .withPanel(timeseries('p99 service time by endpoint', [q(quantile(0.99, latency, RUN, ['endpoint']), '{{endpoint}}')], { unit: 's' }))
    .build();
}
