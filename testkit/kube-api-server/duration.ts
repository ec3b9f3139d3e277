// Ages as kube-apiserver prints them in tables (apimachinery util/duration.HumanDuration): the product's
// one implementation, shared so the test server and the CLI cannot disagree.
import { humanDuration } from '../../src/util/human-duration.ts';

export { humanDuration };

/** `metatable.ConvertToHumanReadableDateType`: the age of an RFC 3339 timestamp. */
export const ageOf = (timestamp: string, now: number = Date.now()): string => {
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<invalid>';
  return humanDuration(now - t);
};
