// Fields the API server or its controllers fill in when the manifest leaves them out
// (kubernetes pkg/apis/{apps,core,batch}/v1/defaults.go and allocations on create). A field present
// only in the live object is not drift when it matches one of these with its default value.

type Rule = { path: string[]; values?: unknown[] };

const POD_SPEC_DEFAULTS: Rule[] = [
  { path: ['dnsPolicy'], values: ['ClusterFirst'] },
  { path: ['restartPolicy'], values: ['Always'] },
  { path: ['schedulerName'], values: ['default-scheduler'] },
  { path: ['securityContext'], values: [{}] },
  { path: ['terminationGracePeriodSeconds'], values: [30] },
  { path: ['enableServiceLinks'], values: [true] },
  { path: ['volumes', '*', 'configMap', 'defaultMode'], values: [420] },
  { path: ['volumes', '*', 'secret', 'defaultMode'], values: [420] },
  { path: ['volumes', '*', 'projected', 'defaultMode'], values: [420] },
  { path: ['volumes', '*', 'downwardAPI', 'defaultMode'], values: [420] },
  ...['containers', 'initContainers'].flatMap((list): Rule[] => [
    { path: [list, '*', 'imagePullPolicy'], values: ['IfNotPresent', 'Always'] },
    { path: [list, '*', 'terminationMessagePath'], values: ['/dev/termination-log'] },
    { path: [list, '*', 'terminationMessagePolicy'], values: ['File'] },
    { path: [list, '*', 'resources'], values: [{}] },
    { path: [list, '*', 'ports', '*', 'protocol'], values: ['TCP'] },
    { path: [list, '*', 'env', '*', 'valueFrom', 'fieldRef', 'apiVersion'], values: ['v1'] },
    ...['livenessProbe', 'readinessProbe', 'startupProbe'].flatMap((probe): Rule[] => [
      { path: [list, '*', probe, 'timeoutSeconds'], values: [1] },
      { path: [list, '*', probe, 'periodSeconds'], values: [10] },
      { path: [list, '*', probe, 'successThreshold'], values: [1] },
      { path: [list, '*', probe, 'failureThreshold'], values: [3] },
      { path: [list, '*', probe, 'httpGet', 'scheme'], values: ['HTTP'] },
    ]),
  ]),
];

const KIND_DEFAULTS: Record<string, Rule[]> = {
  Deployment: [
    { path: ['spec', 'replicas'], values: [1] },
    { path: ['spec', 'revisionHistoryLimit'], values: [10] },
    { path: ['spec', 'progressDeadlineSeconds'], values: [600] },
    { path: ['spec', 'strategy', 'type'], values: ['RollingUpdate'] },
    { path: ['spec', 'strategy', 'rollingUpdate', 'maxSurge'], values: ['25%'] },
    { path: ['spec', 'strategy', 'rollingUpdate', 'maxUnavailable'], values: ['25%'] },
  ],
  StatefulSet: [
    { path: ['spec', 'replicas'], values: [1] },
    { path: ['spec', 'revisionHistoryLimit'], values: [10] },
    { path: ['spec', 'podManagementPolicy'], values: ['OrderedReady'] },
    { path: ['spec', 'updateStrategy', 'type'], values: ['RollingUpdate'] },
    { path: ['spec', 'updateStrategy', 'rollingUpdate', 'partition'], values: [0] },
    { path: ['spec', 'persistentVolumeClaimRetentionPolicy', '*'], values: ['Retain'] },
  ],
  DaemonSet: [
    { path: ['spec', 'revisionHistoryLimit'], values: [10] },
    { path: ['spec', 'updateStrategy', 'type'], values: ['RollingUpdate'] },
    { path: ['spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable'], values: [1] },
    { path: ['spec', 'updateStrategy', 'rollingUpdate', 'maxSurge'], values: [0] },
  ],
  Job: [
    { path: ['spec', 'backoffLimit'], values: [6] },
    { path: ['spec', 'completions'], values: [1] },
    { path: ['spec', 'parallelism'], values: [1] },
    { path: ['spec', 'completionMode'], values: ['NonIndexed'] },
    { path: ['spec', 'suspend'], values: [false] },
    { path: ['spec', 'podReplacementPolicy'], values: ['TerminatingOrFailed'] },
    // The Job controller generates the selector and the matching template labels.
    { path: ['spec', 'selector'] },
  ],
  CronJob: [
    { path: ['spec', 'concurrencyPolicy'], values: ['Allow'] },
    { path: ['spec', 'suspend'], values: [false] },
    { path: ['spec', 'successfulJobsHistoryLimit'], values: [3] },
    { path: ['spec', 'failedJobsHistoryLimit'], values: [1] },
  ],
  Service: [
    { path: ['spec', 'type'], values: ['ClusterIP'] },
    { path: ['spec', 'sessionAffinity'], values: ['None'] },
    { path: ['spec', 'internalTrafficPolicy'], values: ['Cluster'] },
    { path: ['spec', 'externalTrafficPolicy'], values: ['Cluster'] },
    // Allocated by the API server on create.
    { path: ['spec', 'clusterIP'] },
    { path: ['spec', 'clusterIPs'] },
    { path: ['spec', 'ipFamilies'] },
    { path: ['spec', 'ipFamilyPolicy'] },
    { path: ['spec', 'ports', '*', 'protocol'], values: ['TCP'] },
    { path: ['spec', 'ports', '*', 'targetPort'] },
    { path: ['spec', 'ports', '*', 'nodePort'] },
  ],
  Secret: [{ path: ['type'], values: ['Opaque'] }],
  Namespace: [{ path: ['spec', 'finalizers'], values: [['kubernetes']] }],
};

/** Where the pod spec sits in each workload kind. */
const POD_SPEC_PREFIX: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

function rulesFor(kind: string): Rule[] {
  const rules = [...(KIND_DEFAULTS[kind] ?? [])];
  const prefix = POD_SPEC_PREFIX[kind];
  if (prefix !== undefined) {
    for (const rule of POD_SPEC_DEFAULTS) rules.push({ ...rule, path: [...prefix, ...rule.path] });
    // Serialised pod templates carry `creationTimestamp: null`.
    rules.push({ path: [...prefix.slice(0, -1), 'metadata', 'creationTimestamp'], values: [null] });
  }
  return rules;
}

const cache = new Map<string, Rule[]>();

/** True when `value`, found only in the live object at `segments`, is what the API server defaults. */
export function isDefaulted(kind: string, segments: readonly string[], value: unknown): boolean {
  // Labels and annotations added by other controllers are not drift (helm-controller drops such removals too).
  const n = segments.length;
  if (
    n >= 2 &&
    segments[n - 2] === 'metadata' &&
    (segments[n - 1] === 'labels' || segments[n - 1] === 'annotations')
  ) {
    return true;
  }
  if (
    n >= 3 &&
    segments[n - 3] === 'metadata' &&
    (segments[n - 2] === 'labels' || segments[n - 2] === 'annotations')
  ) {
    return true;
  }
  let rules = cache.get(kind);
  if (rules === undefined) {
    rules = rulesFor(kind);
    cache.set(kind, rules);
  }
  return rules.some(
    (rule) =>
      matches(rule.path, segments) &&
      (rule.values === undefined || rule.values.some((v) => JSON.stringify(v) === JSON.stringify(value))),
  );
}

function matches(pattern: readonly string[], segments: readonly string[]): boolean {
  if (pattern.length !== segments.length) return false;
  return pattern.every((p, i) => p === '*' || p === segments[i]);
}
