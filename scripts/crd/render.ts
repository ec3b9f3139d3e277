// The ConfigHubRepository CRD as YAML text, built from src/api: the zod schemas give the
// openAPIV3Schema, src/api/crd.ts the rest. Deterministic, so a test can compare it with the files.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Document, isPair, isScalar, Scalar, visit } from 'yaml';
import { GROUP } from '../../src/api/constants.ts';
import {
  CRD_METADATA,
  CRD_NAMES,
  PRINTER_COLUMNS,
  repositoryCrdSchema,
  SERVED_VERSION,
} from '../../src/api/crd.ts';
import { toStructural } from './structural.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FILE_NAME = `${GROUP}_${CRD_NAMES.plural}.yaml`;

/** Where the CRD is written: the project's crds/ and the Helm chart's copy, byte for byte the same. */
export const CRD_FILES = [
  join(REPO_ROOT, 'crds', FILE_NAME),
  join(REPO_ROOT, 'charts/confighub-source-controller/files/crds', FILE_NAME),
];

export const GENERATE_COMMAND = 'npm run generate';

const HEADER = `# Generated from src/api by \`${GENERATE_COMMAND}\`: edit the zod schemas there, not this file.\n`;

export function buildCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: CRD_METADATA,
    spec: {
      group: GROUP,
      names: CRD_NAMES,
      scope: 'Namespaced',
      versions: [
        {
          name: SERVED_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: { openAPIV3Schema: toStructural(repositoryCrdSchema) },
        },
      ],
    },
  };
}

export function renderCrd(): string {
  const doc = new Document(buildCrd());
  // Descriptions as folded blocks (`>-`): wrapped at spaces only, so links stay whole.
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === 'description' && isScalar(pair.value)) {
        pair.value.type = Scalar.BLOCK_FOLDED;
      }
    },
  });
  return HEADER + doc.toString({ lineWidth: 100, minContentWidth: 40 });
}
