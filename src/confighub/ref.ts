// Which revision of each unit to read: the head, the revisions carrying a tag, or a published release.
import { Reason } from '../api/conditions.ts';
import { RELEASE_PATTERN, type RepositoryRef, SLUG_PATTERN } from '../api/v1beta1.ts';
import { ConfigHubError } from './errors.ts';

export type RefSelector =
  | { mode: 'head' }
  | { mode: 'tag'; tag: string }
  | { mode: 'release'; release: 'latest' | number };

const slug = new RegExp(SLUG_PATTERN);
const release = new RegExp(RELEASE_PATTERN);

function invalid(message: string): ConfigHubError {
  return new ConfigHubError(Reason.InvalidSpec, false, message);
}

/** Parses the command-line form: `head`, `tag:<slug>`, `release:latest` or `release:<number>`. */
export function parseRefSelector(text: string): RefSelector {
  if (text === 'head') return { mode: 'head' };
  if (text.startsWith('tag:')) {
    const tag = text.slice('tag:'.length);
    if (!slug.test(tag)) throw invalid(`ref ${JSON.stringify(text)}: the tag must be a slug`);
    return { mode: 'tag', tag };
  }
  if (text.startsWith('release:')) {
    const value = text.slice('release:'.length);
    if (!release.test(value))
      throw invalid(`ref ${JSON.stringify(text)}: the release must be 'latest' or a number >= 1`);
    return { mode: 'release', release: value === 'latest' ? 'latest' : Number(value) };
  }
  throw invalid(`ref ${JSON.stringify(text)} must be head, tag:<slug>, release:latest or release:<number>`);
}

/** Maps `spec.ref` of a ConfigHubRepository (already validated by its schema). */
export function refSelectorFromSpec(ref: RepositoryRef | undefined): RefSelector {
  if (ref?.tag !== undefined) return { mode: 'tag', tag: ref.tag };
  if (ref?.release !== undefined) {
    return { mode: 'release', release: ref.release === 'latest' ? 'latest' : Number(ref.release) };
  }
  return { mode: 'head' };
}

/** The id used in the artifact revision (`<refId>@sha256:<hex>`); never contains ':'. */
export function refIdOf(mode: 'head' | { tag: string } | { releaseNum: number }): string {
  if (mode === 'head') return 'head';
  return 'tag' in mode ? `tag-${mode.tag}` : `release-${mode.releaseNum}`;
}
