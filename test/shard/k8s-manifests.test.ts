// The example Kubernetes manifests parse, and the Indexed Job hands each pod its own segment of the same N.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseSegment } from '../../src/shard/segment.ts';

const DIR = resolve(import.meta.dirname, '../../deploy/k8s');

async function docs(file: string): Promise<Record<string, any>[]> {
  const parsed = parseAllDocuments(await readFile(resolve(DIR, file), 'utf8'));
  for (const d of parsed) expect(d.errors, file).toEqual([]);
  return parsed.map((d) => d.toJS());
}

describe('deploy/k8s', () => {
  it('flashcrowd-indexed-job.yaml: an Indexed Job whose pods run --segment JOB_COMPLETION_INDEX/N with N = completions', async () => {
    const all = await docs('flashcrowd-indexed-job.yaml');
    const job = all.find((d) => d.kind === 'Job')!;
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.parallelism).toBe(job.spec.completions);
    const script: string = job.spec.template.spec.containers[0].args.join('\n');
    const m = /--segment "\$\{JOB_COMPLETION_INDEX\}\/(\d+)"/.exec(script);
    expect(m, script).not.toBeNull();
    expect(Number(m![1])).toBe(job.spec.completions);
    for (let i = 0; i < job.spec.completions; i++) expect(parseSegment(`${i}/${m![1]}`)).toEqual({ index: i, count: job.spec.completions });
    expect(script).toMatch(/--out "\/runs\/\$RUN_ID\/segment-\$\{JOB_COMPLETION_INDEX\}"/);
    const pvc = all.find((d) => d.kind === 'PersistentVolumeClaim')!;
    expect(job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
  });

  it('flashcrowd-merge-job.yaml merges every segment folder of the run into one and keeps the verdict as exit code', async () => {
    const [job] = await docs('flashcrowd-merge-job.yaml');
    const script: string = job.spec.template.spec.containers[0].args.join('\n');
    expect(script).toContain('flashcrowd.js merge /runs/$RUN_ID/segment-* --out /runs/$RUN_ID/merged');
    expect(script).toMatch(/exit "\$code"/);
  });
});
