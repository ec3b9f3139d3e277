// Admission the server performs itself for built-in kinds it interprets: CRD status, Namespace
// defaults and Secret stringData.

import { parseCrd } from './registry.ts';
import type { KubeObject, ResourceDef } from './types.ts';

export const admitBuiltin = (def: ResourceDef, obj: KubeObject, now: string): void => {
  if (def.group === 'apiextensions.k8s.io' && def.plural === 'customresourcedefinitions') {
    const crd = parseCrd(obj);
    obj['status'] = {
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          reason: 'NoConflicts',
          message: 'no conflicts found',
          lastTransitionTime: now,
        },
        {
          type: 'Established',
          status: 'True',
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
          lastTransitionTime: now,
        },
      ],
      acceptedNames: crd.spec.names,
      storedVersions: crd.spec.versions.filter((v) => v.storage).map((v) => v.name),
    };
  }
  if (def.group === '' && def.plural === 'secrets') {
    // stringData is write-only: merged into data (base64) as the API server does.
    const data = { ...((obj['data'] as Record<string, string> | undefined) ?? {}) };
    for (const [k, v] of Object.entries((obj['stringData'] as Record<string, string> | undefined) ?? {})) {
      data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    }
    delete obj['stringData'];
    if (Object.keys(data).length) obj['data'] = data;
    obj['type'] ??= 'Opaque';
  }
  if (def.group === '' && def.plural === 'namespaces') {
    obj.metadata.labels = { ...obj.metadata.labels, 'kubernetes.io/metadata.name': obj.metadata.name! };
    if (!obj.metadata.deletionTimestamp) obj['status'] = { phase: 'Active' };
    obj['spec'] = { finalizers: ['kubernetes'], ...(obj['spec'] as object) };
  }
};
