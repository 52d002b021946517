// Runs inside report.html (inlined at render time, after uPlot). Builds the charts from the embedded run data.
// Plain browser JS on purpose: the report must open offline from a file, with no build step and no network.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('flashcrowd-data').textContent);
  var timeline = data.timeline || { buckets: [], events: [] };
  var buckets = timeline.buckets || [];
  var events = (timeline.events || []).filter(function (e) { return typeof e.at === 'number'; });
  var xs = buckets.map(function (b) { return b.t; });
  var PALETTE = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#0891b2', '#dc2626', '#65a30d', '#9333ea', '#ea580c', '#0d9488', '#4f46e5', '#be123c', '#a16207'];
  var EVENT_COLORS = { translation: '#059669', shock: '#dc2626', cliff: '#7c3aed', outage: '#b91c1c', fault: '#b91c1c', note: '#475569' };
  var registry = (window.__flashcrowd = { charts: {}, noData: [] });

  function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }
  function column(fn) { return buckets.map(function (b) { try { return num(fn(b)); } catch (e) { return null; } }); }
  // Centered moving average over `w` buckets, ignoring gaps (null where the window holds no value).
  function smooth(arr, w) {
    if (w <= 1) return arr;
    var half = Math.floor(w / 2), out = new Array(arr.length);
    for (var i = 0; i < arr.length; i++) {
      var sum = 0, n = 0;
      for (var j = Math.max(0, i - half); j <= Math.min(arr.length - 1, i + half); j++) if (arr[j] !== null) { sum += arr[j]; n++; }
      out[i] = n ? sum / n : null;
    }
    return out;
  }
  // Per-second counts and per-second ratios from a few reads are noisy; long runs get a short moving average.
  var SMOOTH = buckets.length >= 90 ? Math.max(3, Math.round(buckets.length / 40) | 1) : 1;
  function count(arr) { var n = 0; for (var i = 0; i < arr.length; i++) if (arr[i] !== null) n++; return n; }
  function keysOf(fn) {
    var seen = {};
    buckets.forEach(function (b) { var o = fn(b); if (o) Object.keys(o).forEach(function (k) { seen[k] = true; }); });
    return Object.keys(seen).sort();
  }
  function sig(v) {
    var a = Math.abs(v);
    if (a >= 100) return Math.round(v).toLocaleString('en-US');
    if (Number.isInteger(v)) return String(v);
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    return String(Number(v.toPrecision(2)));
  }
  var FMT = {
    ms: function (v) { return v == null ? '—' : Math.abs(v) >= 1000 ? sig(v / 1000) + 's' : sig(v) + 'ms'; },
    s: function (v) { return v == null ? '—' : sig(v) + 's'; },
    pct: function (v) { return v == null ? '—' : sig(v * 100) + '%'; },
    n: function (v) { return v == null ? '—' : sig(v); },
    perSec: function (v) { return v == null ? '—' : sig(v) + '/s'; },
  };
  function clock(t) {
    var s = Math.round(t), m = Math.floor(s / 60);
    return m + ':' + String(s % 60).padStart(2, '0');
  }

  // Vertical lines (and shaded windows for events with endAt) with labels, on every time chart.
  function eventsPlugin() {
    return {
      hooks: {
        draw: [function (u) {
          if (!events.length) return;
          var ctx = u.ctx, px = window.devicePixelRatio || 1, top = u.bbox.top, h = u.bbox.height, drawn = 0;
          ctx.save();
          ctx.font = (11 * px) + 'px system-ui, sans-serif';
          ctx.textBaseline = 'top';
          ctx.textAlign = 'left';
          events.forEach(function (ev, i) {
            var color = EVENT_COLORS[ev.kind] || '#475569';
            var x0 = u.valToPos(ev.at, 'x', true);
            if (x0 < u.bbox.left - 1 || x0 > u.bbox.left + u.bbox.width + 1) return;
            if (typeof ev.endAt === 'number' && ev.endAt > ev.at) {
              var x1 = Math.min(u.valToPos(ev.endAt, 'x', true), u.bbox.left + u.bbox.width);
              ctx.fillStyle = color + '1f';
              ctx.fillRect(x0, top, x1 - x0, h);
            }
            ctx.strokeStyle = color;
            ctx.lineWidth = 1.5 * px;
            ctx.setLineDash([4 * px, 3 * px]);
            ctx.beginPath(); ctx.moveTo(x0, top); ctx.lineTo(x0, top + h); ctx.stroke();
            ctx.setLineDash([]);
            // Labels sit in the band above the plot (two staggered rows), so they never hide data or axis labels.
            var label = ev.name;
            var w = ctx.measureText(label).width;
            var y = top - (2 - (i % 2)) * 14 * px - 2 * px;
            var x = x0 + 3 * px;
            if (x + w > u.bbox.left + u.bbox.width) x = x0 - 3 * px - w;
            ctx.fillStyle = color;
            ctx.fillText(label, x, y);
            ctx.fillRect(x0 - 1.5 * px, y + 3 * px, 3 * px, 8 * px);
            drawn++;
          });
          ctx.restore();
          u.eventsDrawn = drawn;
        }],
      },
    };
  }

  // Horizontal guide lines (the scenario's intended bands), labelled at the right edge.
  function guidesPlugin(guides) {
    return {
      hooks: {
        draw: [function (u) {
          if (!guides || !guides.length) return;
          var ctx = u.ctx, px = window.devicePixelRatio || 1, right = u.bbox.left + u.bbox.width;
          ctx.save();
          ctx.font = (10 * px) + 'px system-ui, sans-serif';
          ctx.textAlign = 'right';
          ctx.textBaseline = 'bottom';
          guides.forEach(function (g) {
            var y = u.valToPos(g.y, 'y', true);
            ctx.strokeStyle = g.color;
            ctx.globalAlpha = 0.7;
            ctx.lineWidth = 1 * px;
            ctx.setLineDash([2 * px, 3 * px]);
            ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(right, y); ctx.stroke();
            ctx.setLineDash([]);
            ctx.globalAlpha = 1;
            ctx.fillStyle = g.color;
            ctx.fillText(g.label, right - 4 * px, y - 2 * px);
          });
          ctx.restore();
          u.guidesDrawn = guides.length;
        }],
      },
    };
  }

  function noData(card, id, why) {
    var note = document.createElement('div');
    note.className = 'nodata';
    note.textContent = 'No data — ' + why;
    card.querySelector('.plot').appendChild(note);
    registry.noData.push(id);
  }

  // spec: {id, series: [{label, values, color, dash?, scale?, fmt?}], scales: {y: {fmt, log?, range?}, y2?: {...}}}
  function chart(spec) {
    var card = document.getElementById('chart-' + spec.id);
    if (!card) return;
    var plot = card.querySelector('.plot');
    plot.textContent = '';
    var series = spec.series.filter(function (s) { return count(s.values) > 0; });
    if (!xs.length || !series.length) { noData(card, spec.id, spec.empty); return; }
    var scales = { x: { time: false } };
    var axes = [{ label: 'wall time (m:ss)', values: function (u, splits) { return splits.map(clock); }, stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#cbd5e1' } }];
    ['y', 'y2'].forEach(function (key, i) {
      var sc = spec.scales[key];
      if (!sc || !series.some(function (s) { return (s.scale || 'y') === key; })) return;
      scales[key] = sc.log ? { distr: 3, log: 10 } : sc.range ? { range: sc.range } : { range: function (u, min, max) { return [Math.min(0, min), max > 0 ? max * 1.08 : 1]; } };
      axes.push({ scale: key, side: i === 0 ? 3 : 1, label: sc.label, size: 64, values: function (u, splits) {
        // On a log axis label only the decades; uPlot's intermediate splits would crowd the axis.
        return splits.map(function (v) { return !sc.log || Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-6 ? sc.fmt(v) : ''; });
      }, stroke: '#475569', grid: { show: i === 0, stroke: '#e2e8f0' }, ticks: { stroke: '#cbd5e1' } });
    });
    var uSeries = [{ label: 'time', value: function (u, v) { return v == null ? '—' : clock(v); } }].concat(series.map(function (s) {
      var sc = spec.scales[s.scale || 'y'];
      // Intermittent measurements (probe polls, rare endpoints): join the dots and show them, or they would vanish.
      var n = count(s.values), sparse = n < xs.length * 0.6;
      return { label: s.label, stroke: s.color, width: s.width || 1.75, dash: s.dash, scale: s.scale || 'y', spanGaps: sparse, points: { show: sparse && n < 150, size: 5, fill: s.color }, fill: s.fill, value: function (u, v) { return sc.fmt(v); } };
    }));
    var values = [xs].concat(series.map(function (s) {
      var sc = spec.scales[s.scale || 'y'];
      return sc.log ? s.values.map(function (v) { return v !== null && v > 0 ? v : null; }) : s.values;
    }));
    var width = Math.max(320, plot.clientWidth || 600);
    var u = new uPlot({ width: width, height: spec.height || 280, padding: [events.length ? 36 : 12, null, null, null], scales: scales, axes: axes, series: uSeries, plugins: [eventsPlugin(), guidesPlugin(spec.guides)], legend: { live: true }, cursor: { drag: { x: true, y: false } } }, values, plot);
    registry.charts[spec.id] = { points: series.reduce(function (a, s) { return a + count(s.values); }, 0), series: series.length, uplot: u };
  }

  function build() {
    if (SMOOTH > 1) Array.prototype.forEach.call(document.querySelectorAll('.smoothable'), function (el) { el.textContent = ' Lines are ' + SMOOTH + '-second moving averages.'; });
    var cohorts = keysOf(function (b) { return Object.assign({}, b.intended, b.achieved); });
    var arrivals = [];
    cohorts.forEach(function (c, i) {
      var color = PALETTE[i % PALETTE.length];
      arrivals.push({ label: c + ' intended', values: smooth(column(function (b) { return b.intended[c] || 0; }), SMOOTH), color: color + '59', width: 6 });
      arrivals.push({ label: c + ' achieved', values: smooth(column(function (b) { return b.achieved[c] || 0; }), SMOOTH), color: color, width: 1.5 });
    });
    arrivals.push({ label: 'dropped (all cohorts)', values: smooth(column(function (b) { return sum(b.dropped); }), SMOOTH), color: '#dc2626', width: 1.5, fill: '#dc262622' });
    chart({ id: 'arrivals', series: arrivals, scales: { y: { fmt: FMT.perSec, label: 'sessions / s' } }, empty: 'no arrivals were recorded.' });

    var kinds = keysOf(function (b) { return b.errors; });
    chart({
      id: 'throughput',
      series: [{ label: 'requests', values: column(function (b) { return b.requests; }), color: '#2563eb', width: 2, fill: '#2563eb14' }].concat(kinds.map(function (k, i) {
        return { label: 'errors: ' + k, values: column(function (b) { return b.errors[k] || 0; }), color: ['#dc2626', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#475569', '#be123c'][i % 8], scale: 'y2' };
      })),
      scales: { y: { fmt: FMT.perSec, label: 'requests / s' }, y2: { fmt: FMT.perSec, label: 'errors / s' } },
      empty: 'no requests were recorded.',
    });

    var endpoints = keysOf(function (b) { return Object.assign({}, b.latencyMs, b.correctedLatencyMs); });
    var select = document.getElementById('latency-mode');
    function latency() {
      var mode = select ? select.value : 'latencyMs.p99';
      var parts = mode.split('.');
      chart({
        id: 'latency',
        series: endpoints.map(function (ep, i) { return { label: ep, values: column(function (b) { return (b[parts[0]][ep] || {})[parts[1]]; }), color: PALETTE[i % PALETTE.length] }; }),
        scales: { y: { fmt: FMT.ms, label: 'ms (log scale)', log: true } },
        empty: 'no request latency was recorded.',
      });
    }
    latency();
    if (select) select.addEventListener('change', function () { var old = registry.charts.latency; if (old) old.uplot.destroy(); delete registry.charts.latency; latency(); });

    chart({
      id: 'schedule',
      series: [
        { label: 'schedule lag p99', values: column(function (b) { return b.lagMsP99; }), color: '#7c3aed', width: 2 },
        { label: 'dropped arrivals', values: column(function (b) { return sum(b.dropped); }), color: '#dc2626', scale: 'y2', fill: '#dc262622' },
        { label: 'active sessions', values: column(function (b) { return b.activeSessions; }), color: '#94a3b8', scale: 'y2', dash: [3, 3] },
      ],
      scales: { y: { fmt: FMT.ms, label: 'lag ms' }, y2: { fmt: FMT.n, label: 'arrivals/s · sessions' } },
      empty: 'no schedule data was recorded.',
    });

    chart({
      id: 'freshness',
      series: [
        { label: 'feed freshness p95', values: column(function (b) { return b.feed && b.feed.freshnessSecP95; }), color: '#2563eb', width: 2 },
        { label: 'moderation lag p95', values: column(function (b) { return b.feed && b.feed.moderationLagSecP95; }), color: '#d97706', width: 2 },
      ],
      scales: { y: { fmt: FMT.s, label: 'seconds' } },
      empty: 'no feed freshness or moderation lag was measured (no probe readers or no marked posts).',
    });

    chart({
      id: 'quality',
      series: [
        { label: 'recall mean', values: column(function (b) { return b.feed && b.feed.recallMean; }), color: '#059669', width: 2 },
        { label: 'translation coverage', values: column(function (b) { return b.feed && b.feed.translationCoverage; }), color: '#2563eb', width: 2 },
        { label: 'degraded share', values: column(function (b) { return b.feed && b.feed.degradedShare; }), color: '#dc2626', width: 1.5, fill: '#dc262618' },
      ],
      scales: { y: { fmt: FMT.pct, label: 'share', range: [0, 1] } },
      empty: 'no recall, translation or degradation figures were measured.',
    });

    var langs = keysOf(function (b) { return b.feed && Object.assign({}, b.feed.foreignShare, b.feed.languageMatch); });
    var langSeries = [];
    langs.forEach(function (l, i) {
      var color = PALETTE[i % PALETTE.length];
      langSeries.push({ label: l + ' readers: foreign share', values: smooth(column(function (b) { return b.feed && b.feed.foreignShare && b.feed.foreignShare[l]; }), SMOOTH), color: color, width: 2 });
      langSeries.push({ label: l + ' readers: language match', values: smooth(column(function (b) { return b.feed && b.feed.languageMatch && b.feed.languageMatch[l]; }), SMOOTH), color: color, dash: [6, 4], width: 1.5 });
    });
    var bands = (timeline.plan && timeline.plan.languageBands) || {};
    var bandLines = [];
    langs.forEach(function (l, i) {
      var b = bands[l];
      if (!b) return;
      var color = PALETTE[i % PALETTE.length];
      if (typeof b.foreignShareMax === 'number') bandLines.push({ y: b.foreignShareMax, color: color, label: l + ' foreign ≤ ' + Math.round(b.foreignShareMax * 100) + '%' });
      if (typeof b.languageMatchMin === 'number') bandLines.push({ y: b.languageMatchMin, color: color, label: l + ' match ≥ ' + Math.round(b.languageMatchMin * 100) + '%' });
    });
    chart({ id: 'languages', series: langSeries, guides: bandLines, scales: { y: { fmt: FMT.pct, label: 'share of discover items', range: [0, 1] } }, empty: 'no discover feeds were read by language-tagged readers.' });
  }

  function sum(o) { var s = 0; if (o) for (var k in o) s += o[k] || 0; return s; }

  build();
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      Object.keys(registry.charts).forEach(function (id) {
        var c = registry.charts[id], plot = document.querySelector('#chart-' + id + ' .plot');
        if (plot) c.uplot.setSize({ width: Math.max(320, plot.clientWidth), height: c.uplot.height });
      });
    }, 150);
  });
})();
