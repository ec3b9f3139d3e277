// The `source.confighub.com/name` label on our ExternalArtifacts must stay selectable for every valid
// object name, but label values stop at 63 characters while names go to 253. Short names are the
// label as they are; longer ones become a prefix plus a hash of the whole name (still unique in
// practice, still a valid label value), and the full name is always kept in an annotation.
import { sha256Hex } from '../util/hash.ts';

const MAX_LABEL_VALUE = 63;
const HASH_LENGTH = 16;

/** The label value that selects the objects of the repository named `name`. */
export function repositoryNameLabelValue(name: string): string {
  if (name.length <= MAX_LABEL_VALUE) return name;
  const hash = sha256Hex(name).slice(0, HASH_LENGTH);
  // A name's characters ([a-z0-9.-]) are valid label characters, and the hex hash ends alphanumeric.
  return `${name.slice(0, MAX_LABEL_VALUE - HASH_LENGTH - 1)}-${hash}`;
}
