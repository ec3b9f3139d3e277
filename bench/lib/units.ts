// Deterministic synthetic units: Kubernetes ConfigMaps whose text looks like configuration (repeated
// keys, a small vocabulary, some hex ids), so they compress about as well as real manifests do.
import { prng } from '../../test/support/prng.ts';

const WORDS = [
  'replicas',
  'enabled',
  'timeout',
  'endpoint',
  'region',
  'cache',
  'retry',
  'backoff',
  'limit',
  'memory',
  'cpu',
  'image',
  'registry',
  'feature',
  'rollout',
  'canary',
  'service',
  'ingress',
];

/** A ConfigMap manifest of about `size` bytes (never less). */
export function configMapYaml(name: string, size: number, random: () => number): string {
  const lines = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: ${name}`,
    '  namespace: bench',
    'data:',
  ];
  let length = lines.reduce((sum, line) => sum + line.length + 1, 0);
  for (let i = 0; length < size; i++) {
    const word = () => WORDS[Math.floor(random() * WORDS.length)]!;
    const hex = Math.floor(random() * 0xffffffff)
      .toString(16)
      .padStart(8, '0');
    const line = `  ${word()}-${i}: "${word()}.${word()}=${hex} ${word()}=${Math.floor(random() * 1000)}"`;
    lines.push(line);
    length += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

/** `count` units with sizes spread uniformly over [minBytes, maxBytes]. */
export function syntheticUnits(
  count: number,
  minBytes: number,
  maxBytes: number,
  seed = 1,
): { slug: string; toolchainType: string; data: Uint8Array }[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const slug = `unit-${String(i).padStart(5, '0')}`;
    const size = Math.round(minBytes + random() * (maxBytes - minBytes));
    return { slug, toolchainType: 'Kubernetes/YAML', data: Buffer.from(configMapYaml(slug, size, random)) };
  });
}
