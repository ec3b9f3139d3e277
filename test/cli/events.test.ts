// `confighub-source events`: the events the real controller records, and ordering, filtering and
// output on events seeded into a server without a controller.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import * as events from '../../src/cli/events.ts';
import { KubeApiServer } from '../../testkit/kube-api-server/index.ts';
import { PROJECT_CRD } from '../../testkit/local-stack.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { cli, parseTable, seededRepository } from './support.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-events-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('events recorded by the controller', () => {
  const stack = useLocalStack();
  let kubeconfig: string;
  beforeAll(async () => {
    kubeconfig = await stack.kube.writeKubeconfig(join(dir, 'kubeconfig'), 'team-e');
    await stack.createRepository('team-e', 'shop');
    await stack.waitForReady('team-e', 'shop');
    // The controller records each event on the repository and again on its ExternalArtifact.
    const recorded = (kind: string) =>
      stack.kube.list('events', 'team-e').some((e) => {
        const event = e as { reason?: string; involvedObject?: { kind?: string } };
        return event.reason === 'NewArtifact' && event.involvedObject?.kind === kind;
      });
    await stack.kube.waitFor(() => recorded('ConfigHubRepository') && recorded('ExternalArtifact'), {
      description: 'the NewArtifact events',
    });
  });

  it('lists the NewArtifact events of the repository and its ExternalArtifact', async () => {
    type Recorded = { reason?: string; firstTimestamp?: string; involvedObject: { kind: string } };
    const recorded = stack.kube.list('events', 'team-e') as unknown as Recorded[];
    const newArtifact = (kind: string) =>
      Date.parse(
        recorded.find((e) => e.reason === 'NewArtifact' && e.involvedObject.kind === kind)!.firstTimestamp!,
      );
    // Ages against a clock the test sets: 30 s after the later of the two events.
    const now = Math.max(newArtifact('ConfigHubRepository'), newArtifact('ExternalArtifact')) + 30_000;
    const { code, stdout, stderr } = await cli(events, ['--kubeconfig', kubeconfig, 'shop'], {
      now: () => now,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = parseTable(stdout);
    expect(Object.keys(rows[0]!)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    const created = rows.filter((r) => r['REASON'] === 'NewArtifact');
    expect(created.map((r) => r['OBJECT']).sort()).toEqual([
      'ConfigHubRepository/shop',
      'ExternalArtifact/shop',
    ]);
    for (const row of created) {
      expect(row['TYPE']).toBe('Normal');
      const kind = row['OBJECT']!.split('/')[0]!;
      expect(row['LAST SEEN']).toBe(`${Math.trunc((now - newArtifact(kind)) / 1000)}s`);
    }
    expect(rows.every((r) => r['OBJECT']!.endsWith('/shop'))).toBe(true);
    expect(stdout).not.toContain(stack.emulator.fixture.token);
  });

  it('exits 1 for a repository that does not exist', async () => {
    const { code, stderr } = await cli(events, ['--kubeconfig', kubeconfig, 'nope']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      '✗ Error from server (NotFound): confighubrepositories.source.confighub.com "nope" not found\n',
    );
  });
});

describe('events seeded into the API', () => {
  let server: KubeApiServer;
  let kubeconfig: string;
  // The command gets the clock the events were seeded against: ages are exact, however long the run.
  const now = Date.parse('2026-03-01T12:00:00Z');
  const clock = { now: () => now };
  const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
  const event = (
    name: string,
    involved: { apiVersion: string; kind: string; name: string },
    fields: { type: string; reason: string; message: string; last: number; first?: number; count?: number },
    namespace = 'apps',
  ) => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: { ...involved, namespace },
    type: fields.type,
    reason: fields.reason,
    message: fields.message,
    count: fields.count ?? 1,
    firstTimestamp: at(fields.first ?? fields.last),
    lastTimestamp: at(fields.last),
    source: { component: 'confighub-source-controller' },
  });
  const chr = (name: string) => ({
    apiVersion: 'source.confighub.com/v1beta1',
    kind: 'ConfigHubRepository',
    name,
  });
  const ea = (name: string) => ({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'ExternalArtifact',
    name,
  });

  beforeAll(async () => {
    server = await new KubeApiServer({ namespaces: ['apps', 'other'] }).listen();
    server.registerCrd(await readFile(PROJECT_CRD, 'utf8'));
    for (const [namespace, name] of [
      ['apps', 'shop'],
      ['apps', 'web'],
      ['other', 'shop'],
    ] as const) {
      server.seed(seededRepository(namespace, name));
    }
    server.seed([
      event('shop.1', chr('shop'), {
        type: 'Normal',
        reason: 'NewArtifact',
        message: 'stored artifact a',
        last: 3630,
      }),
      event('shop.2', ea('shop'), {
        type: 'Warning',
        reason: 'FetchFailed',
        message: 'fetch failed\nline two',
        last: 190,
      }),
      event('shop.3', chr('shop'), {
        type: 'Warning',
        reason: 'AuthenticationFailed',
        message: 'token rejected',
        last: 90,
        first: 900,
        count: 3,
      }),
      event('web.1', chr('web'), {
        type: 'Normal',
        reason: 'NewArtifact',
        message: 'stored artifact w',
        last: 10,
      }),
      // Same name, another kind: not ours.
      event(
        'shop.pod',
        { apiVersion: 'v1', kind: 'Pod', name: 'shop' },
        {
          type: 'Normal',
          reason: 'Scheduled',
          message: 'pod',
          last: 5,
        },
      ),
      event(
        'shop.other',
        chr('shop'),
        { type: 'Normal', reason: 'NewArtifact', message: 'other ns', last: 1 },
        'other',
      ),
    ]);
    kubeconfig = await server.writeKubeconfig(join(dir, 'seeded-kubeconfig'), 'apps');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists the events of the repository and its ExternalArtifact, oldest first', async () => {
    const { code, stdout } = await cli(events, ['--kubeconfig', kubeconfig, 'shop'], clock);
    expect(code).toBe(0);
    expect(parseTable(stdout)).toEqual([
      {
        'LAST SEEN': '60m',
        TYPE: 'Normal',
        REASON: 'NewArtifact',
        OBJECT: 'ConfigHubRepository/shop',
        MESSAGE: 'stored artifact a',
      },
      {
        'LAST SEEN': '3m10s',
        TYPE: 'Warning',
        REASON: 'FetchFailed',
        OBJECT: 'ExternalArtifact/shop',
        MESSAGE: 'fetch failed line two',
      },
      {
        'LAST SEEN': '90s (x3 over 15m)',
        TYPE: 'Warning',
        REASON: 'AuthenticationFailed',
        OBJECT: 'ConfigHubRepository/shop',
        MESSAGE: 'token rejected',
      },
    ]);
  });

  it('without NAME lists every repository of the namespace; -A adds NAMESPACE', async () => {
    const namespaced = parseTable((await cli(events, ['--kubeconfig', kubeconfig], clock)).stdout);
    expect(namespaced.map((r) => `${r['LAST SEEN']} ${r['OBJECT']} ${r['REASON']}`)).toEqual([
      '60m ConfigHubRepository/shop NewArtifact',
      '3m10s ExternalArtifact/shop FetchFailed',
      '90s (x3 over 15m) ConfigHubRepository/shop AuthenticationFailed',
      '10s ConfigHubRepository/web NewArtifact',
    ]);
    const all = parseTable((await cli(events, ['--kubeconfig', kubeconfig, '-A'], clock)).stdout);
    expect(all).toHaveLength(5);
    expect(all.at(-1)).toEqual({
      NAMESPACE: 'other',
      'LAST SEEN': '1s',
      TYPE: 'Normal',
      REASON: 'NewArtifact',
      OBJECT: 'ConfigHubRepository/shop',
      MESSAGE: 'other ns',
    });
  });

  it('filters by --types and prints -o json / -o yaml lists', async () => {
    const warnings = parseTable(
      (await cli(events, ['--kubeconfig', kubeconfig, 'shop', '--types', 'Warning'])).stdout,
    );
    expect(warnings.map((r) => r['REASON'])).toEqual(['FetchFailed', 'AuthenticationFailed']);

    const json = JSON.parse((await cli(events, ['--kubeconfig', kubeconfig, 'shop', '-o', 'json'])).stdout);
    expect(json.kind).toBe('List');
    expect(json.items.map((e: { metadata: { name: string } }) => e.metadata.name)).toEqual([
      'shop.1',
      'shop.2',
      'shop.3',
    ]);
    const yaml = parse(
      (await cli(events, ['--kubeconfig', kubeconfig, '-n', 'other', 'shop', '-o', 'yaml'])).stdout,
    );
    expect(yaml.items.map((e: { message: string }) => e.message)).toEqual(['other ns']);
  });

  it('says so when there are no events', async () => {
    server.seed(seededRepository('apps', 'quiet'));
    const { code, stdout, stderr } = await cli(events, ['--kubeconfig', kubeconfig, 'quiet']);
    expect({ code, stdout, stderr }).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No events found for ConfigHubRepository quiet in apps namespace.\n',
    });
  });

  it.each([
    [['a', 'b'], 'expected at most one NAME'],
    [['shop', '-A'], 'events: a resource cannot be retrieved by name across all namespaces'],
    [['--types', 'Error'], '"error" is not an event type'],
    [['-o', 'wide'], '--output must be one of'],
  ])('%j exits 2', async (argv, message) => {
    const { code, stderr } = await cli(events, ['--kubeconfig', kubeconfig, ...argv]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
