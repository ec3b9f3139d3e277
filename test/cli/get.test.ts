// `confighub-source get` against the Kubernetes API test server and the real controller.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import * as get from '../../src/cli/get.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { CHR, condition } from '../support/repositories.ts';
import { cli, parseTable, startCli } from './support.ts';

const stack = useLocalStack();
let dir: string;
let kubeconfig: string;
let revision: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-get-'));
  kubeconfig = await stack.kube.writeKubeconfig(join(dir, 'kubeconfig'), 'team-get');
  await stack.createRepository('team-get', 'shop');
  await stack.createRepository('team-get', 'web', { where: "Slug = 'web'" });
  // A repository whose token ConfigHub refuses: Ready=False.
  stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-other' } });
  stack.kube.create(stack.tokenSecret('team-other', 'bad-token', 'not-a-valid-token'));
  await stack.createRepository('team-other', 'broken', { secretRef: { name: 'bad-token' } });
  revision = (await stack.waitForReady('team-get', 'shop')).status!.artifact!.revision;
  await stack.waitForReady('team-get', 'web');
  await stack.waitForCondition('team-other', 'broken', 'Ready', 'False');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const lines = (text: string) => text.trimEnd().split('\n');
const columns = (line: string) => line.split(/ {3,}/);

describe('get', () => {
  it('lists the repositories of the context namespace as flux get sources does', async () => {
    const { code, stdout, stderr } = await cli(get, ['--kubeconfig', kubeconfig]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [header, ...rows] = lines(stdout);
    expect(columns(header!)).toEqual(['NAME', 'REVISION', 'SUSPENDED', 'READY', 'MESSAGE']);
    expect(rows).toHaveLength(2);
    const shop = columns(rows.find((r) => r.startsWith('shop '))!);
    expect(shop.slice(0, 4)).toEqual(['shop', revision, 'False', 'True']);
    expect(shop[4]).toBe(`stored artifact for revision '${revision}'`);
    // Columns are aligned: every row starts REVISION where the header does.
    const at = header!.indexOf('REVISION');
    for (const row of rows) expect(row.slice(at)).toMatch(/^head@sha256:/);
  });

  it('adds a NAMESPACE column with -A and shows the failing repository with its message', async () => {
    const { code, stdout } = await cli(get, ['--kubeconfig', kubeconfig, '-A']);
    expect(code).toBe(0);
    expect(columns(lines(stdout)[0]!)[0]).toBe('NAMESPACE');
    const rows = parseTable(stdout);
    const ready = condition(stack.kube.get(CHR, 'team-other', 'broken'), 'Ready')!;
    expect(rows.find((r) => r['NAME'] === 'broken')).toEqual({
      NAMESPACE: 'team-other',
      NAME: 'broken',
      REVISION: '',
      SUSPENDED: 'False',
      READY: 'False',
      MESSAGE: ready.message,
    });
    expect(rows.map((r) => `${r['NAMESPACE']}/${r['NAME']}`)).toEqual([
      'team-get/shop',
      'team-get/web',
      'team-other/broken',
    ]);
  });

  it('filters with --status-selector', async () => {
    const failing = await cli(get, ['--kubeconfig', kubeconfig, '-A', '--status-selector', 'ready=false']);
    expect(failing.code).toBe(0);
    expect(
      lines(failing.stdout)
        .slice(1)
        .map((r) => columns(r)[1]),
    ).toEqual(['broken']);
    const ready = await cli(get, ['--kubeconfig', kubeconfig, '-A', '--status-selector', 'Ready=True']);
    expect(
      lines(ready.stdout)
        .slice(1)
        .map((r) => columns(r)[1]),
    ).toEqual(['shop', 'web']);
  });

  it('gets one repository by name, and fails with the API message when it does not exist', async () => {
    const one = await cli(get, ['--kubeconfig', kubeconfig, 'web']);
    expect(one.code).toBe(0);
    expect(lines(one.stdout)).toHaveLength(2);
    expect(columns(lines(one.stdout)[1]!)[0]).toBe('web');

    const missing = await cli(get, ['--kubeconfig', kubeconfig, 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      '✗ Error from server (NotFound): confighubrepositories.source.confighub.com "nope" not found\n',
    );
  });

  it('-n overrides the context namespace; an empty result succeeds with a note on stderr', async () => {
    const other = await cli(get, ['--kubeconfig', kubeconfig, '-n', 'team-other']);
    expect(columns(lines(other.stdout)[1]!)[0]).toBe('broken');
    const empty = await cli(get, ['--kubeconfig', kubeconfig, '-n', 'nobody-here']);
    expect(empty).toEqual({
      code: 0,
      stdout: '',
      stderr: '✗ no ConfigHubRepository objects found in nobody-here namespace\n',
    });
  });

  it('prints the objects with -o json and -o yaml', async () => {
    const json = await cli(get, ['--kubeconfig', kubeconfig, 'shop', '-o', 'json']);
    expect(json.code).toBe(0);
    const object = JSON.parse(json.stdout);
    expect(object).toMatchObject({
      apiVersion: 'source.confighub.com/v1beta1',
      kind: 'ConfigHubRepository',
      metadata: { name: 'shop', namespace: 'team-get' },
      status: { artifact: { revision } },
    });

    const yaml = await cli(get, ['--kubeconfig', kubeconfig, '-A', '--output=yaml']);
    expect(yaml.code).toBe(0);
    const list = parse(yaml.stdout);
    expect(list.kind).toBe('List');
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()).toEqual([
      'broken',
      'shop',
      'web',
    ]);
    const emptyJson = await cli(get, ['--kubeconfig', kubeconfig, '-n', 'nobody-here', '-o', 'json']);
    expect(JSON.parse(emptyJson.stdout)).toMatchObject({ kind: 'List', items: [] });
  });

  it('--watch prints the table, then a row for each visible change, until aborted', async () => {
    const watcher = startCli(get, ['--kubeconfig', kubeconfig, '--watch']);
    await stack.kube.waitFor(() => watcher.stdout.text.split('\n').length >= 4, {
      description: 'initial table',
    });
    const before = watcher.stdout.text;
    expect(lines(before)).toHaveLength(3);

    stack.kube.patch(CHR, 'team-get', 'web', { spec: { suspend: true } });
    await stack.kube.waitFor(() => watcher.stdout.text.length > before.length, {
      description: 'a watch update',
    });
    const update = lines(watcher.stdout.text.slice(before.length));
    const row = update.find((l) => l.startsWith('web '));
    expect(row).toBeDefined();
    expect(columns(row!)[2]).toBe('True');
    // The update row lines up with the first table.
    expect(row!.indexOf('True')).toBe(lines(before)[0]!.indexOf('SUSPENDED'));

    watcher.abort();
    expect(await watcher.done).toBe(0);
    stack.kube.patch(CHR, 'team-get', 'web', { spec: { suspend: false } });
  });

  it('--watch carries on after the watch drops and its resourceVersion expires', async () => {
    const cliWatches = () =>
      stack.kube.requests.filter((r) => r.watch && r.userAgent === 'confighub-source-cli').length;
    const watchesBefore = cliWatches();
    // No bookmarks: the command's resourceVersion stays where its namespace last changed.
    stack.kube.setBookmarkInterval(60_000);
    const watcher = startCli(get, ['--kubeconfig', kubeconfig, '-w']);
    await stack.kube.waitFor(() => cliWatches() > watchesBefore, { description: 'the watch' });
    const before = watcher.stdout.text;
    const cliLists = () =>
      stack.kube.requests.filter(
        (r) => !r.watch && r.userAgent === 'confighub-source-cli' && r.method === 'GET',
      ).length;
    const listsBefore = cliLists();
    // A change elsewhere moves the server on; compaction then expires the command's resourceVersion.
    stack.kube.patch(CHR, 'team-other', 'broken', { metadata: { labels: { moved: 'on' } } });
    stack.kube.compactHistory();
    stack.kube.dropWatches();
    // Resuming from the compacted resourceVersion fails with 410 Gone: the command reads again, then
    // watches from what it read.
    await stack.kube.waitFor(
      () =>
        cliLists() > listsBefore &&
        stack.kube.requests.filter((r) => r.userAgent === 'confighub-source-cli').at(-1)?.watch,
      { description: 'a new read after 410, then a new watch' },
    );
    stack.kube.patch(CHR, 'team-get', 'shop', { spec: { suspend: true } });
    await stack.kube.waitFor(() => watcher.stdout.text.length > before.length, { description: 'the update' });
    const update = parseTable(`${lines(before)[0]}\n${watcher.stdout.text.slice(before.length)}`);
    expect(update).toEqual([expect.objectContaining({ NAME: 'shop', SUSPENDED: 'True' })]);
    watcher.abort();
    expect(await watcher.done).toBe(0);
    stack.kube.setBookmarkInterval(1000);
    stack.kube.patch(CHR, 'team-get', 'shop', { spec: { suspend: false } });
  });

  it('--watch -o json streams objects', async () => {
    const watcher = startCli(get, ['--kubeconfig', kubeconfig, 'shop', '-w', '-o', 'json']);
    await stack.kube.waitFor(() => watcher.stdout.text.includes('"name": "shop"'), {
      description: 'first object',
    });
    stack.kube.patch(CHR, 'team-get', 'shop', { metadata: { labels: { watched: 'yes' } } });
    await stack.kube.waitFor(() => watcher.stdout.text.includes('"watched": "yes"'), {
      description: 'update',
    });
    watcher.abort();
    expect(await watcher.done).toBe(0);
    const documents = watcher.stdout.text.split(/\n(?=\{)/).map((d) => JSON.parse(d));
    expect(documents.length).toBeGreaterThanOrEqual(2);
    expect(documents.every((d) => d.metadata.name === 'shop')).toBe(true);
  });
});

describe('get usage and connection errors', () => {
  it.each([
    [['--output', 'xml'], '--output must be one of table, json, yaml'],
    [['--bogus'], 'get: unknown flag: --bogus'],
    [['shop', '-A'], 'cannot be retrieved by name across all namespaces'],
    [['a', 'b'], 'expected at most one NAME'],
    [['--status-selector', 'ready'], 'is not CONDITION=STATUS'],
    [['--status-selector', 'ready=maybe'], 'is not CONDITION=STATUS'],
    [['--context', 'elsewhere'], 'context "elsewhere" does not exist'],
  ])('%j exits 2 with a clear message', async (argv, message) => {
    const { code, stderr, stdout } = await cli(get, ['--kubeconfig', kubeconfig, ...argv]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('Usage: confighub-source get');
  });

  it('--context selects another context and its namespace', async () => {
    const config = parse(stack.kube.kubeConfigYaml('team-get')) as {
      contexts: { name: string; context: Record<string, string> }[];
    };
    config.contexts.push({
      name: 'other',
      context: { ...config.contexts[0]!.context, namespace: 'team-other' },
    });
    const path = join(dir, 'two-contexts');
    await writeFile(path, stringify(config));
    const current = parseTable((await cli(get, ['--kubeconfig', path])).stdout);
    expect(current.map((r) => r['NAME'])).toEqual(['shop', 'web']);
    const other = parseTable((await cli(get, ['--kubeconfig', path, '--context', 'other'])).stdout);
    expect(other.map((r) => r['NAME'])).toEqual(['broken']);
  });

  it('a missing kubeconfig exits 1 naming the file', async () => {
    const { code, stderr } = await cli(get, ['--kubeconfig', join(dir, 'absent')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^✗ cannot load kubeconfig .*absent/);
  });

  it('reads $KUBECONFIG when no flag is given, and --help exits 0', async () => {
    const { code, stdout } = await cli(get, [], { env: { KUBECONFIG: kubeconfig } });
    expect(code).toBe(0);
    expect(lines(stdout)).toHaveLength(3);
    const help = await cli(get, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--status-selector');
  });

  it('never prints the bearer token of the kubeconfig, even on an authentication failure', async () => {
    stack.kube.setExpectedToken('another-token');
    try {
      const { code, stderr, stdout } = await cli(get, ['--kubeconfig', kubeconfig]);
      expect(code).toBe(1);
      expect(stderr).toMatch(/Unauthorized/);
      expect(stderr + stdout).not.toContain(stack.kube.kubeConfig().users[0]!.token);
    } finally {
      stack.kube.setExpectedToken(undefined);
    }
  });
});
