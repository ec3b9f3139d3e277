// What the ConfigHubRepository CRD holds beyond the spec and status schemas: names, categories, printer
// columns, and the root object with its description. scripts/generate-crd.ts turns this, with the zod
// schemas, into crds/ and the Helm chart's copy.
import { z } from 'zod';
import { CONTROLLER_NAME, GROUP, KIND, PLURAL, SHORT_NAME, SINGULAR, VERSION } from './constants.ts';
import { repositorySpecSchema } from './spec.ts';
import { repositoryStatusSchema } from './status.ts';

/** `kubectl get fluxcd` and `kubectl get fluxcd-sources` list ConfigHubRepositories with Flux's sources. */
export const CATEGORIES = ['all', 'fluxcd', 'fluxcd-sources'] as const;

export interface PrinterColumn {
  name: string;
  type: 'string' | 'date' | 'integer' | 'number' | 'boolean';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** The columns of Flux's sources (URL, Age, Ready, Status), plus the space. */
export const PRINTER_COLUMNS: readonly PrinterColumn[] = [
  { name: 'URL', type: 'string', jsonPath: '.spec.url' },
  { name: 'Space', type: 'string', jsonPath: '.spec.space' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
];

export const CRD_METADATA = {
  name: `${PLURAL}.${GROUP}`,
  // Flux must not substitute ${…} in a CRD it applies, as for its own CRDs.
  annotations: { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' },
  labels: { 'app.kubernetes.io/name': CONTROLLER_NAME, 'app.kubernetes.io/component': 'crd' },
};

export const CRD_NAMES = {
  kind: KIND,
  listKind: `${KIND}List`,
  plural: PLURAL,
  singular: SINGULAR,
  shortNames: [SHORT_NAME],
  categories: [...CATEGORIES],
};

export const SERVED_VERSION = VERSION;

/** The whole object as the CRD describes it; apiVersion, kind and metadata as every Kubernetes kind has them. */
export const repositoryCrdSchema = z
  .object({
    apiVersion: z
      .string()
      .optional()
      .describe(
        'APIVersion defines the versioned schema of this representation of an object. Servers should ' +
          'convert recognized schemas to the latest internal value, and may reject unrecognized values. ' +
          'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
      ),
    kind: z
      .string()
      .optional()
      .describe(
        'Kind is a string value representing the REST resource this object represents. Servers may ' +
          'infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. ' +
          'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
      ),
    metadata: z
      .object({})
      .optional()
      .describe(
        "Standard object's metadata. More info: " +
          'https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
      ),
    spec: repositorySpecSchema.describe(
      'ConfigHubRepositorySpec specifies the ConfigHub space to package, how often to check it, and ' +
        'the credentials to read it with.',
    ),
    status: repositoryStatusSchema
      .optional()
      .describe('ConfigHubRepositoryStatus records the observed state of the ConfigHubRepository.'),
  })
  .describe(
    'ConfigHubRepository is a Flux source for a ConfigHub space: the controller fetches the units of the ' +
      'space on an interval, packages them as a tar.gz artifact and publishes it through an ' +
      'ExternalArtifact of the same name, which Kustomizations and HelmReleases reference in their ' +
      'sourceRef or chartRef.',
  );
