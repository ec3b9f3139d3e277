// The set of served resources: built-ins plus whatever CRDs and registrations a test adds.

import { z } from 'zod';
import { badRequest } from './errors.ts';
import type { JsonObject, PrinterColumn, ResourceDef } from './types.ts';

export interface ResourceRegistration {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  singular?: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
  subresources?: { status?: boolean };
  tracksGeneration?: boolean;
  custom?: boolean;
  schema?: JsonObject;
  printerColumns?: PrinterColumn[];
}

export const toResourceDef = (r: ResourceRegistration): ResourceDef => ({
  group: r.group,
  version: r.version,
  kind: r.kind,
  listKind: r.listKind ?? `${r.kind}List`,
  plural: r.plural,
  singular: r.singular ?? r.kind.toLowerCase(),
  namespaced: r.namespaced,
  shortNames: r.shortNames ?? [],
  categories: r.categories ?? [],
  statusSubresource: r.subresources?.status ?? false,
  tracksGeneration: r.tracksGeneration ?? r.custom ?? true,
  custom: r.custom ?? true,
  ...(r.schema ? { schema: r.schema } : {}),
  printerColumns: r.printerColumns ?? [],
});

const crdSchema = z.looseObject({
  apiVersion: z.literal('apiextensions.k8s.io/v1'),
  kind: z.literal('CustomResourceDefinition'),
  metadata: z.looseObject({ name: z.string() }),
  spec: z.looseObject({
    group: z.string().min(1),
    names: z.looseObject({
      kind: z.string().min(1),
      plural: z.string().min(1),
      singular: z.string().optional(),
      listKind: z.string().optional(),
      shortNames: z.array(z.string()).optional(),
      categories: z.array(z.string()).optional(),
    }),
    scope: z.enum(['Namespaced', 'Cluster']),
    versions: z
      .array(
        z.looseObject({
          name: z.string().min(1),
          served: z.boolean(),
          storage: z.boolean(),
          subresources: z.looseObject({ status: z.looseObject({}).optional() }).optional(),
          additionalPrinterColumns: z
            .array(
              z.looseObject({
                name: z.string(),
                type: z.string(),
                jsonPath: z.string(),
                format: z.string().optional(),
                description: z.string().optional(),
                priority: z.number().optional(),
              }),
            )
            .optional(),
          schema: z.looseObject({ openAPIV3Schema: z.looseObject({}) }).optional(),
        }),
      )
      .min(1),
  }),
});
export type Crd = z.infer<typeof crdSchema>;

export const parseCrd = (value: unknown): Crd => {
  const parsed = crdSchema.safeParse(value);
  if (!parsed.success) {
    throw badRequest(`invalid CustomResourceDefinition: ${z.prettifyError(parsed.error)}`);
  }
  const crd = parsed.data;
  const expected = `${crd.spec.names.plural}.${crd.spec.group}`;
  if (crd.metadata.name !== expected) {
    throw badRequest(`CustomResourceDefinition name must be "${expected}", got "${crd.metadata.name}"`);
  }
  return crd;
};

/** One resource definition per served version of the CRD. */
export const crdToResourceDefs = (crd: Crd): ResourceDef[] =>
  crd.spec.versions
    .filter((v) => v.served)
    .map((v) =>
      toResourceDef({
        group: crd.spec.group,
        version: v.name,
        kind: crd.spec.names.kind,
        plural: crd.spec.names.plural,
        namespaced: crd.spec.scope === 'Namespaced',
        singular: crd.spec.names.singular ?? crd.spec.names.kind.toLowerCase(),
        listKind: crd.spec.names.listKind ?? `${crd.spec.names.kind}List`,
        shortNames: crd.spec.names.shortNames ?? [],
        categories: crd.spec.names.categories ?? [],
        subresources: { status: v.subresources?.status !== undefined },
        custom: true,
        tracksGeneration: true,
        ...(v.schema ? { schema: v.schema.openAPIV3Schema as JsonObject } : {}),
        printerColumns: (v.additionalPrinterColumns ?? []).map((c) => ({
          name: c.name,
          type: c.type,
          jsonPath: c.jsonPath,
          ...(c.format ? { format: c.format } : {}),
          ...(c.description ? { description: c.description } : {}),
          ...(c.priority !== undefined ? { priority: c.priority } : {}),
        })),
      }),
    );

export class Registry {
  readonly #byPath = new Map<string, ResourceDef>();

  add(def: ResourceDef): void {
    this.#byPath.set(`${def.group}/${def.version}/${def.plural}`, def);
  }

  /** Drops every version of a group/plural (CRD deletion). */
  remove(group: string, plural: string): void {
    for (const [key, def] of this.#byPath) {
      if (def.group === group && def.plural === plural) this.#byPath.delete(key);
    }
  }

  lookup(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.#byPath.get(`${group}/${version}/${plural}`);
  }

  all(): ResourceDef[] {
    return [...this.#byPath.values()];
  }

  /** Finds a resource by `plural`, `plural.group`, `Kind`, `Kind.group` or `group/version/Kind`. */
  resolve(ref: string | { group: string; version?: string; plural?: string; kind?: string }): ResourceDef {
    const defs = this.all();
    const match =
      typeof ref === 'string'
        ? defs.find((d) => {
            const names = [d.plural, d.kind, d.singular, ...d.shortNames];
            const qualified = names.map((n) => (d.group ? `${n}.${d.group}` : n));
            return (
              names.includes(ref) ||
              qualified.includes(ref) ||
              `${d.group ? `${d.group}/` : ''}${d.version}/${d.kind}` === ref
            );
          })
        : defs.find(
            (d) =>
              d.group === ref.group &&
              (ref.version === undefined || d.version === ref.version) &&
              (ref.plural === undefined || d.plural === ref.plural) &&
              (ref.kind === undefined || d.kind === ref.kind),
          );
    if (!match) throw new Error(`no resource registered for ${JSON.stringify(ref)}`);
    return match;
  }

  /** Resource for an object's apiVersion and kind. */
  forObject(apiVersion: string, kind: string): ResourceDef | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    return this.all().find((d) => d.group === group && d.version === version && d.kind === kind);
  }
}
