// The timeline's closed seconds leave the harness's memory as they close: appended to a file (one JSON bucket per
// line) when given one, else kept as JSON lines; toTimeline() gives back the same buckets either way.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileBucketStore, MemoryBucketStore, TimelineRecorder, type BucketStore } from '../../src/observe/timeline.ts';
import type { TimelineBucket } from '../../src/run/summary.ts';

const dir = mkdtempSync(join(tmpdir(), 'fc-timeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Drives a recorder through `seconds` seconds of requests; a plugin-like onBucket adds feed figures. */
function drive(store: BucketStore, seconds: number, onClosed?: (bucket: TimelineBucket, recorder: TimelineRecorder) => void): TimelineRecorder {
  let recorder: TimelineRecorder;
  recorder = new TimelineRecorder((bucket) => {
    if (bucket.t % 2 === 0) bucket.feed = { recallMean: bucket.t / 7, languageMatch: { en: 0.9 } };
    onClosed?.(bucket, recorder);
  }, store);
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < 5 + s; i++) {
      const at = s * 1000 + i * 37;
      recorder.onArrival({ cohort: i % 2 ? 'newcomer' : 'incumbent', outcome: i === 3 ? 'dropped' : 'started', intendedAt: at, startedAt: at + 1.5 } as never);
      recorder.onRequest({ endpoint: i % 3 ? 'feed.following' : 'post', ok: i !== 4, errorKind: 'timeout', startedAt: at, endedAt: at + 3 + i, intendedAt: at } as never);
    }
    recorder.roll((s + 1) * 1000, s);
  }
  recorder.finish(seconds * 1000 + 400, 0);
  recorder.closeStore();
  return recorder;
}

describe('timeline store', () => {
  it('appends each closed second to the file as it closes, after the plugins added their fields', () => {
    const file = join(dir, 'a.jsonl');
    const linesWhenClosed: number[] = [];
    const recorder = drive(new FileBucketStore(file), 6, (bucket) => {
      // The previous seconds are already on disk when a new one closes.
      linesWhenClosed.push(readFileSync(file, 'utf8').split('\n').filter(Boolean).length);
      expect(bucket.t).toBe(linesWhenClosed.length - 1);
    });
    expect(linesWhenClosed).toEqual([0, 1, 2, 3, 4, 5, 6]); // 6 whole seconds and the partial last one
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    expect(JSON.parse(lines[2]).feed).toEqual({ recallMean: 2 / 7, languageMatch: { en: 0.9 } });
    expect(recorder.toTimeline('s', 'x').buckets.map((b) => b.t)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('gives back the same timeline.json from a file, from memory, and as the buckets were built', () => {
    const built: TimelineBucket[] = [];
    const fromFile = drive(new FileBucketStore(join(dir, 'b.jsonl')), 9, (b) => built.push(b));
    const fromMemory = drive(new MemoryBucketStore(), 9);
    const a = JSON.stringify(fromFile.toTimeline('s', '2026-01-01T00:00:00.000Z'));
    expect(JSON.stringify(fromMemory.toTimeline('s', '2026-01-01T00:00:00.000Z'))).toBe(a);
    expect(JSON.stringify(JSON.parse(a).buckets)).toBe(JSON.stringify(built));
    expect(built.some((b) => Object.keys(b.errors).length > 0 && Object.keys(b.dropped).length > 0)).toBe(true);
  });

  it('moves seconds closed before spillTo into the new store', () => {
    const file = join(dir, 'c.jsonl');
    const recorder = new TimelineRecorder();
    recorder.onRequest({ endpoint: 'post', ok: true, startedAt: 10, endedAt: 20, intendedAt: 10 } as never);
    recorder.roll(2000, 1);
    recorder.spillTo(new FileBucketStore(file));
    recorder.roll(3000, 1);
    recorder.closeStore();
    expect(readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).t)).toEqual([0, 1, 2]);
    expect(recorder.buckets[0].requests).toBe(1);
    expect(existsSync(file)).toBe(true); // kept until the run folder's timeline.json replaces it
  });
});
