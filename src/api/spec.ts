// ConfigHubRepository spec: what users write. The controller validates with these schemas and the CRD's
// spec schema is generated from them, so both refuse the same objects with the same messages.
import { z } from 'zod';
import { DEFAULT_CONFIGHUB_URL, DEFAULT_TIMEOUT, DEFAULT_TOOLCHAINS } from './constants.ts';
import {
  INTERVAL_PATTERN,
  MAX_DURATION,
  MAX_DURATION_LENGTH,
  MAX_DURATION_MS,
  parseDuration,
  TIMEOUT_PATTERN,
} from './duration.ts';
import { checkedBoth } from './schema-meta.ts';

export const SLUG_PATTERN = '^[A-Za-z0-9]([A-Za-z0-9_.-]{0,126}[A-Za-z0-9])?$';
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const SPACE_PATTERN = `(${SLUG_PATTERN})|(${UUID_PATTERN})`;
export const RELEASE_PATTERN = '^(latest|[1-9][0-9]{0,9})$';
export const URL_PATTERN = '^https?://[^\\s/?#@]+(/[^\\s?#]*)?$';
export const MAX_WHERE_LENGTH = 8192;
export const MAX_IGNORE_RULES = 64;

/** Durations past the maximum are refused rather than silently clamped. */
const withinMaximum = {
  rule: `duration(self) <= duration('${MAX_DURATION}')`,
  message: `must be at most ${MAX_DURATION}`,
  check: (text: string): boolean => (parseDuration(text) ?? 0) <= MAX_DURATION_MS,
};

/**
 * A reference to a Secret. `namespace` exists only so that a cross-namespace reference is refused with a
 * clear message instead of being pruned silently; it must equal the object's own namespace.
 */
const secretReference = z.object({
  name: z.string().min(1).max(253).describe('Name of the referent.'),
  namespace: z
    .string()
    .min(1)
    .max(63)
    .optional()
    .describe(
      "Namespace of the referent. When set it must be the ConfigHubRepository's own namespace: " +
        'a reference to another namespace is refused.',
    ),
});

export const repositoryRefSchema = checkedBoth(
  z.object({
    tag: z
      .string()
      .regex(new RegExp(SLUG_PATTERN))
      .optional()
      .describe('Tag is the slug of a ConfigHub tag: the unit revisions carrying it are packaged.'),
    release: z
      .string()
      .regex(new RegExp(RELEASE_PATTERN))
      .optional()
      .describe(
        'Release packages the unit revisions of a published ConfigHub release: latest, or the release ' +
          'number.',
      ),
  }),
  [
    {
      rule: '!(has(self.tag) && has(self.release))',
      message: 'at most one of ref.tag and ref.release may be set',
      check: (ref) => !(ref.tag !== undefined && ref.release !== undefined),
    },
  ],
);

const ignoreTarget = (what: string) =>
  z
    .string()
    .optional()
    .describe(`${what}, as a regular expression matched against the whole value; any when unset.`);

/**
 * The `target` of a Flux ignore rule (Kustomization `spec.driftDetection.ignore`, HelmRelease
 * `spec.driftDetection.ignore`, our `spec.drift.ignore`): each field a regular expression, all optional.
 */
export const ignoreTargetShape = {
  group: ignoreTarget('Group is the API group to select objects from'),
  version: ignoreTarget('Version of the API group to select objects from'),
  kind: ignoreTarget('Kind of the objects to select'),
  name: ignoreTarget('Name to match objects with'),
  namespace: ignoreTarget('Namespace to select objects from'),
};
export type IgnoreTarget = z.infer<z.ZodObject<typeof ignoreTargetShape>>;

export const driftSpecSchema = z.object({
  mode: z
    .enum(['disabled', 'report'])
    .default('disabled')
    .describe(
      'Mode is disabled or report. With report, differences are written to status.drift and the ' +
        "Drifted condition. Defaults to disabled; either value wins over the controller's " +
        '--drift-detection flag.',
    ),
  ignore: z
    .array(
      z.object({
        paths: z
          .array(z.string().min(1))
          .min(1)
          .describe(
            'Paths is a list of JSON Pointer (RFC 6901) paths to leave out, e.g. /spec/replicas, as ' +
              'the path of a status.drift item reads.',
          ),
        target: z
          .object(ignoreTargetShape)
          .optional()
          .describe('Target selects the objects the paths apply to; every object when unset.'),
      }),
    )
    .max(MAX_IGNORE_RULES)
    .optional()
    .describe(
      "Ignore is a list of rules, in the shape of a Kustomization's spec.ignore, for fields never " +
        `reported; at most ${MAX_IGNORE_RULES}. The consuming Kustomization's spec.ignore (a HelmRelease's ` +
        'spec.driftDetection.ignore) applies too.',
    ),
});

/**
 * What to do with a head revision ConfigHub itself would not release (validation errors, open apply
 * gates, unresolved placeholders): `hold` keeps the last artifact, `ignore` publishes and says so.
 */
export const gatesSpecSchema = z.object({
  mode: z
    .enum(['hold', 'ignore'])
    .default('hold')
    .describe(
      'Mode is hold or ignore. hold keeps serving the last artifact and names the held units in the ' +
        'Ready condition; ignore publishes anyway and lists what was ignored in status.fetched.ignoredGates. ' +
        'Defaults to hold.',
    ),
});

export const repositorySpecSchema = z.object({
  interval: checkedBoth(
    z
      .string()
      .max(MAX_DURATION_LENGTH)
      .regex(new RegExp(INTERVAL_PATTERN), 'must be a duration such as 5m or 1h30m'),
    [withinMaximum],
  ).describe(
    'Interval at which the ConfigHub space is checked for new revisions, a duration such as 5m or ' +
      `1h30m (units ms, s, m, h) of at most ${MAX_DURATION}. This interval is approximate and may be ` +
      'subject to jitter to ensure efficient use of resources.',
  ),
  timeout: checkedBoth(
    z
      .string()
      .max(MAX_DURATION_LENGTH)
      .regex(new RegExp(TIMEOUT_PATTERN), 'must be a duration above 0s such as 60s or 2m'),
    [
      {
        rule: "duration(self) > duration('0s')",
        message: 'must be greater than 0s',
        check: (text) => (parseDuration(text) ?? 0) > 0,
      },
      withinMaximum,
    ],
  )
    .default(DEFAULT_TIMEOUT)
    .describe(
      'Timeout for one fetch from ConfigHub, and separately for building its artifact, as a duration ' +
        `above 0s in ms, s or m such as 60s or 2m, at most ${MAX_DURATION}. Defaults to ${DEFAULT_TIMEOUT}.`,
    ),
  suspend: z
    .boolean()
    .optional()
    .describe(
      'Suspend tells the controller to suspend the reconciliation of this ConfigHubRepository. The ' +
        'last artifact stays stored and served.',
    ),
  url: z
    .string()
    .regex(new RegExp(URL_PATTERN), 'must be an http(s) URL')
    .default(DEFAULT_CONFIGHUB_URL)
    .describe(
      'URL of the ConfigHub server, without /api and without credentials; an http:// URL needs ' +
        `insecure. Defaults to ${DEFAULT_CONFIGHUB_URL}.`,
    ),
  space: z
    .string()
    .regex(new RegExp(SPACE_PATTERN), 'must be a space slug or UUID')
    .describe('Space is the slug (exact match) or the UUID of the ConfigHub space to package.'),
  secretRef: secretReference.describe(
    'SecretRef specifies the Secret, in the same namespace, containing the ConfigHub credentials: ' +
      "'privateKey' (the Ed25519 JWK of an identity or ServiceAccount key, optionally with 'subject' " +
      "and 'audience'), or 'workerID' and 'workerSecret', or 'token'.",
  ),
  where: checkedBoth(z.string().max(MAX_WHERE_LENGTH), [
    {
      rule: "!self.contains('\\\\')",
      message: 'must not contain a backslash (ConfigHub has no escape in literals)',
      check: (where) => !where.includes('\\'),
    },
  ])
    .optional()
    .describe(
      "Where is a ConfigHub filter expression selecting the units to package, e.g. Labels.app = 'web'. " +
        `Every unit of the space is packaged when unset. At most ${MAX_WHERE_LENGTH} characters, without ` +
        'backslashes.',
    ),
  ref: repositoryRefSchema
    .optional()
    .describe(
      'Ref selects which unit revisions are packaged: those carrying a tag, or those of a published ' +
        'release. The head revisions are packaged when unset.',
    ),
  toolchains: z
    .array(z.string().min(1))
    .min(1)
    .default(() => [...DEFAULT_TOOLCHAINS])
    .describe(
      `Toolchains lists the unit toolchain types to package. Defaults to [${DEFAULT_TOOLCHAINS.join(', ')}].`,
    ),
  certSecretRef: secretReference
    .optional()
    .describe(
      'CertSecretRef specifies a Secret, in the same namespace, containing a PEM-encoded CA certificate ' +
        "('ca.crt') and optionally a client certificate and private key ('tls.crt' and 'tls.key'), " +
        'for connecting to a self-hosted ConfigHub.',
    ),
  insecure: z
    .boolean()
    .optional()
    .describe('Insecure allows connecting to a non-TLS ConfigHub over a plain http:// url.'),
  drift: driftSpecSchema
    .optional()
    .describe(
      'Drift configures report-only drift detection of the objects Flux applied from this artifact: ' +
        'differences are reported in status.drift and the Drifted condition, never corrected. When ' +
        "unset, the controller's --drift-detection flag decides (disabled by default).",
    ),
  gates: gatesSpecSchema
    .optional()
    .describe(
      'Gates tells what to do with a head revision ConfigHub would not release: validation errors, ' +
        'open apply gates or unresolved placeholders. When unset, such a revision is held.',
    ),
});
export type RepositorySpec = z.infer<typeof repositorySpecSchema>;
export type RepositoryRef = z.infer<typeof repositoryRefSchema>;

/** Turns a zod error into one precise line, e.g. `spec.interval: must be a duration such as 5m or 1h30m`. */
export function describeSpecError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = ['spec', ...issue.path.map(String)].join('.');
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}
