// Media attachments: sizes of the tiny committed images (fixtures/media) and of representative video clips.
import { readFileSync } from 'node:fs';
import type { MediaRef } from '../target/target.ts';

export interface MediaManifest {
  images: { file: string; kind: 'image'; width: number; height: number; bytes: number }[];
  videos: { name: string; kind: 'video'; seconds: number; bytes: number }[];
}

export const MEDIA_DIR = new URL('../../fixtures/media/', import.meta.url);
export const MAX_MEDIA_PER_POST = 4;

let cached: MediaManifest | undefined;

export function loadMediaManifest(): MediaManifest {
  cached ??= JSON.parse(readFileSync(new URL('manifest.json', MEDIA_DIR), 'utf8')) as MediaManifest;
  return cached;
}

/** One attachment: an image (file size from the manifest) or, with videoShare, a video clip size. */
export function pickMedia(random: () => number, videoShare = 0.1): MediaRef {
  const m = loadMediaManifest();
  if (random() < videoShare && m.videos.length > 0) {
    const v = m.videos[Math.floor(random() * m.videos.length)];
    return { kind: 'video', bytes: v.bytes };
  }
  const img = m.images[Math.floor(random() * m.images.length)];
  return { kind: 'image', bytes: img.bytes };
}
