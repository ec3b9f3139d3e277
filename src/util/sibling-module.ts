// The URL of a module next to the caller, for the places that name a module by URL rather than by an
// import (a worker's entry, a resolve hook's target). Imports get their `.ts` rewritten to `.js` when the
// sources are compiled for the package; such URLs do not, so the extension follows the caller's own:
// `.ts` when Node runs the sources, `.js` in dist/.
import { extname } from 'node:path';

/** `stem` is the sibling's file name without extension, e.g. `./validation-worker`. */
export function siblingModule(callerUrl: string, stem: string): URL {
  return new URL(`${stem}${extname(new URL(callerUrl).pathname)}`, callerUrl);
}
