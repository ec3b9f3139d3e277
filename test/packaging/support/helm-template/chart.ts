// Loads a chart directory and renders it the way `helm template` does, within the subset this engine
// supports (see README.md).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Renderer } from './evaluate.ts';
import { isMap } from './functions.ts';
import { lex } from './lexer.ts';
import { type Node, parse } from './parser.ts';

const chartYamlSchema = z.looseObject({
  apiVersion: z.literal('v2'),
  name: z.string().min(1),
  version: z.string().min(1),
  appVersion: z.string().optional(),
  description: z.string().optional(),
  type: z.string().optional(),
  kubeVersion: z.string().optional(),
});

export interface Chart {
  dir: string;
  metadata: z.infer<typeof chartYamlSchema>;
  defaults: Record<string, unknown>;
  schema: object | undefined;
  /** Parsed templates by path relative to the chart (`templates/x.yaml`). */
  templates: Map<string, Node[]>;
  defines: Map<string, Node[]>;
  /** Source text of every template, for static checks. */
  sources: Map<string, string>;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

export function loadChart(dir: string): Chart {
  const metadata = chartYamlSchema.parse(parseYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8')));
  const defaults = parseYaml(readFileSync(join(dir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const schemaFile = join(dir, 'values.schema.json');
  const schema = existsSync(schemaFile)
    ? (JSON.parse(readFileSync(schemaFile, 'utf8')) as object)
    : undefined;
  const templates = new Map<string, Node[]>();
  const defines = new Map<string, Node[]>();
  const sources = new Map<string, string>();
  for (const file of filesUnder(join(dir, 'templates')).sort()) {
    const name = relative(dir, file);
    const source = readFileSync(file, 'utf8');
    sources.set(name, source);
    const parsed = parse(lex(source, name), name);
    for (const [key, body] of parsed.defines) defines.set(key, body);
    templates.set(name, parsed.nodes);
  }
  return { dir, metadata, defaults, schema, templates, defines, sources };
}

/** Helm's value coalescing: maps merge deeply, anything else replaces, `null` deletes the key. */
export function mergeValues(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(base);
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = mergeValues(out[key], value);
    else out[key] = structuredClone(value);
  }
  return out;
}

export class ValuesError extends Error {
  override name = 'ValuesError';
}

export interface RenderOptions {
  releaseName: string;
  namespace: string;
  values?: Record<string, unknown>;
}

export interface Rendered {
  /** Rendered text of every manifest template that produced output, by template path. */
  manifests: Map<string, string>;
  notes: string;
  values: Record<string, unknown>;
}

export function renderChart(chart: Chart, options: RenderOptions): Rendered {
  const values = mergeValues(chart.defaults, options.values ?? {});
  if (chart.schema) {
    const validate = new Ajv({ strict: false, allErrors: true }).compile(chart.schema);
    if (!validate(values))
      throw new ValuesError(`values don't meet the schema: ${JSON.stringify(validate.errors)}`);
  }
  const files = {
    Get: (path: string) => {
      const file = join(chart.dir, path);
      return existsSync(file) ? readFileSync(file, 'utf8') : '';
    },
  };
  const data = {
    Values: values,
    Release: {
      Name: options.releaseName,
      Namespace: options.namespace,
      Service: 'Helm',
      IsInstall: true,
      IsUpgrade: false,
    },
    Chart: {
      Name: chart.metadata.name,
      Version: chart.metadata.version,
      AppVersion: chart.metadata.appVersion ?? '',
      Description: chart.metadata.description ?? '',
      Type: chart.metadata.type ?? 'application',
    },
    Files: files,
  };
  const renderer = new Renderer(chart.defines);
  const manifests = new Map<string, string>();
  let notes = '';
  for (const [name, nodes] of chart.templates) {
    const base = name.split('/').pop()!;
    if (base.startsWith('_')) continue;
    const text = renderer.render(nodes, data);
    if (base === 'NOTES.txt') notes = text;
    else if (text.trim() !== '') manifests.set(name, text);
  }
  return { manifests, notes, values };
}
