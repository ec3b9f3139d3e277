// events.k8s.io/v1 Event is a second view of core/v1 Event: one storage, renamed fields.

import type { Conversion, KubeObject } from './types.ts';

/** core/v1 field ↔ events.k8s.io/v1 field. */
const RENAMES: [core: string, events: string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

const rename = (obj: KubeObject, pairs: [string, string][]): KubeObject => {
  const out: KubeObject = { ...obj };
  for (const [from, to] of pairs) {
    if (from in out) {
      out[to] = out[from];
      delete out[from];
    }
  }
  return out;
};

export const EVENTS_V1_CONVERSION: Conversion = {
  toStorage: (obj) =>
    rename(
      obj,
      RENAMES.map(([core, events]) => [events, core]),
    ),
  fromStorage: (obj) => rename(obj, RENAMES),
};
