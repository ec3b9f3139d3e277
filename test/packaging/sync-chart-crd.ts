// Copies the project CRD into the Helm chart. Run after changing crds/: `npx node test/packaging/sync-chart-crd.ts`.
// helm.test.ts fails while the two differ, so the chart can never ship a stale schema.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CHART_CRD, PROJECT_CRD } from './support/paths.ts';

mkdirSync(dirname(CHART_CRD), { recursive: true });
copyFileSync(PROJECT_CRD, CHART_CRD);
console.log(`copied ${PROJECT_CRD} -> ${CHART_CRD}`);
