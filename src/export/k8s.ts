// k6-operator manifests: a TestRun (k6.io/v1alpha1) that runs the exported script in `parallelism` runner pods,
// with the script and its data served from one ConfigMap (mounted flat at /test in every runner).
export interface K8sInput {
  /** Kubernetes object name (DNS label). */
  name: string;
  parallelism: number;
  /** Target URL as seen from inside the cluster. */
  target: string;
  /** Prometheus remote-write URL as seen from inside the cluster. */
  prometheusRw: string;
  namespace?: string;
}

export function k8sName(scenario: string): string {
  const base = `flashcrowd-${scenario}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  return base.slice(0, 52).replace(/-$/, '');
}

export function renderTestRun(input: K8sInput): string {
  const ns = input.namespace ? `\n  namespace: ${input.namespace}` : '';
  return `# k6-operator TestRun for ${input.name}. Create the ConfigMap first (see configmap.sh), then:
#   kubectl apply -f testrun.yaml
# Each of the ${input.parallelism} runner pods plays one k6 execution segment (i/${input.parallelism} .. (i+1)/${input.parallelism}) of every
# ramping-arrival-rate scenario: the operator passes --execution-segment to each runner, so together they start
# the script's arrival rate, each about 1/${input.parallelism} of it, with disjoint iterations (iterationInTest is global).
apiVersion: k6.io/v1alpha1
kind: TestRun
metadata:
  name: ${input.name}${ns}
spec:
  parallelism: ${input.parallelism}
  script:
    configMap:
      name: ${input.name}
      file: script.js
  arguments: -o experimental-prometheus-rw --tag testid=${input.name}
  runner:
    image: grafana/k6:latest
    env:
      - name: FLASHCROWD_TARGET
        value: ${JSON.stringify(input.target)}
      - name: FLASHCROWD_DATA_DIR
        value: /test
      - name: K6_PROMETHEUS_RW_SERVER_URL
        value: ${JSON.stringify(input.prometheusRw)}
      - name: K6_PROMETHEUS_RW_TREND_STATS
        value: "p(50),p(95),p(99),max"
`;
}

/** The ConfigMap: every file flat (keys cannot hold '/'); the script finds data through FLASHCROWD_DATA_DIR=/test. */
export function renderConfigMapCommand(input: K8sInput): string {
  const ns = input.namespace ? ` -n ${input.namespace}` : '';
  return `#!/bin/sh
# Create (or replace) the ConfigMap the TestRun mounts at /test. Run from the export directory.
# A ConfigMap holds at most 1 MiB: export with fewer --people if this fails (see README.md for the sizes).
set -e
cd "$(dirname "$0")/.."
kubectl create configmap ${input.name}${ns} \\
  --from-file=script.js \\
  --from-file=adapter.js \\
  --from-file=data/people.json \\
  --from-file=data/posts.json \\
  --from-file=data/comments.json \\
  --dry-run=client -o yaml | kubectl apply -f -
`;
}
