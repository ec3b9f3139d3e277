// Presentation on top of pointer paths: what kind of change a drifted field is and how much it
// matters. The path decides the class; the values decide the severity (a scale-down is worse than a
// scale-up, a different image repository worse than a different tag).
import { parseImageRef } from './image-ref.ts';
import { Classification, Severity } from './report.ts';

export interface Classified {
  classification: Classification;
  severity: Severity;
}

export function classify(
  kind: string,
  segments: readonly string[],
  desired: unknown,
  live: unknown,
): Classified {
  if (segments.length === 0) {
    return { classification: Classification.MissingObject, severity: Severity.Critical };
  }
  const has = (name: string) => segments.includes(name);
  const last = segments[segments.length - 1];
  const metaIndex = segments.lastIndexOf('metadata');
  if (metaIndex >= 0 && segments[metaIndex + 1] === 'labels') {
    // Labels under a selector or a pod template decide which pods a workload or Service owns.
    const selects = segments[0] === 'spec' && metaIndex > 0;
    return { classification: Classification.Labels, severity: selects ? Severity.Warning : Severity.Info };
  }
  if (metaIndex >= 0 && segments[metaIndex + 1] === 'annotations') {
    return { classification: Classification.Annotations, severity: Severity.Info };
  }
  if (segments[0] === 'spec' && has('selector'))
    return { classification: Classification.Labels, severity: Severity.Critical };
  if (segments.length === 2 && segments[0] === 'spec' && last === 'replicas') {
    return { classification: Classification.Scaling, severity: scalingSeverity(desired, live) };
  }
  if (last === 'image' || has('image')) {
    return { classification: Classification.Image, severity: imageSeverity(desired, live) };
  }
  if (has('secretKeyRef') || has('secretRef') || has('secret') || has('imagePullSecrets')) {
    return { classification: Classification.SecretRef, severity: Severity.Critical };
  }
  if (has('configMapKeyRef') || has('configMapRef') || has('configMap')) {
    return { classification: Classification.ConfigMapRef, severity: Severity.Warning };
  }
  if (has('resources')) return { classification: Classification.Resources, severity: Severity.Warning };
  if (has('ports') || last === 'containerPort' || last === 'targetPort') {
    return { classification: Classification.Ports, severity: Severity.Warning };
  }
  if (has('volumes') || has('volumeMounts') || has('volumeClaimTemplates')) {
    return { classification: Classification.Volumes, severity: Severity.Warning };
  }
  if (kind === 'Secret' && (segments[0] === 'data' || segments[0] === 'stringData')) {
    return { classification: Classification.Config, severity: Severity.Critical };
  }
  if (
    has('env') ||
    has('envFrom') ||
    has('args') ||
    has('command') ||
    segments[0] === 'data' ||
    segments[0] === 'binaryData'
  ) {
    return { classification: Classification.Config, severity: Severity.Warning };
  }
  if (desired === undefined) return { classification: Classification.ExtraField, severity: Severity.Info };
  return { classification: Classification.Other, severity: Severity.Warning };
}

function scalingSeverity(desired: unknown, live: unknown): Severity {
  const want = typeof desired === 'number' ? desired : 1;
  if (typeof live !== 'number') return Severity.Warning;
  if (live === 0 && want > 0) return Severity.Critical;
  return live < want ? Severity.Warning : Severity.Info;
}

/** The same repository at another tag or digest is a Warning; a different image is Critical. */
function imageSeverity(desired: unknown, live: unknown): Severity {
  if (typeof desired !== 'string' || typeof live !== 'string') return Severity.Warning;
  return parseImageRef(desired).name === parseImageRef(live).name ? Severity.Warning : Severity.Critical;
}
