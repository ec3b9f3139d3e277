// Hostile or broken references and filters on the ConfigHubRepository itself, and hostile requests and
// planted symlinks against the running controller's artifact server.
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../artifact/helpers/raw-http.ts';
import { useLocalStack } from '../support/local-stack.ts';
import { condition, download, type Repo, SECRET, sha256 } from '../support/repositories.ts';

const stack = useLocalStack();

const secretReads = (ns: string) =>
  stack.kube.requests.filter((r) => r.method === 'GET' && r.path.includes(`/namespaces/${ns}/secrets`));

describe('Secret references', () => {
  it('a secretRef into another namespace is Stalled CrossNamespaceRefNotAllowed and that Secret is never read', async () => {
    stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'victim' } });
    stack.kube.create(stack.tokenSecret('victim'));
    await stack.createRepository('attacker', 'shop', {
      secretRef: { name: 'confighub-token', namespace: 'victim' },
    });
    const repo = await stack.waitForCondition(
      'attacker',
      'shop',
      'Stalled',
      'True',
      'CrossNamespaceRefNotAllowed',
    );
    expect(condition(repo, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'CrossNamespaceRefNotAllowed',
    });
    expect(condition(repo, 'Ready')!.message).toContain("'victim/confighub-token'");
    expect(repo.status!.artifact).toBeUndefined();
    expect(secretReads('victim')).toEqual([]);
  });

  it('a certSecretRef into another namespace is refused the same way', async () => {
    await stack.createRepository('attacker-tls', 'shop', {
      certSecretRef: { name: 'confighub-token', namespace: 'victim' },
    });
    await stack.waitForCondition('attacker-tls', 'shop', 'Stalled', 'True', 'CrossNamespaceRefNotAllowed');
    expect(secretReads('victim')).toEqual([]);
  });

  it('a missing Secret is retried (SecretNotFound), and the repository becomes Ready once it is applied', async () => {
    stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'late-secret' } });
    stack.kube.create(stack.repository('late-secret', 'shop'));
    const waiting = await stack.waitForCondition('late-secret', 'shop', 'Ready', 'False', 'SecretNotFound');
    expect(condition(waiting, 'Stalled')).toBeUndefined();
    expect(condition(waiting, 'Ready')!.message).toContain("'late-secret/confighub-token' not found");
    stack.kube.create(stack.tokenSecret('late-secret'));
    await stack.waitForReady('late-secret', 'shop');
  });

  const wrongKeys: [string, Record<string, string>, RegExp][] = [
    ['worker ID without secret', { workerID: 'w' }, /worker/i],
    ['blank token', { token: '   ' }, /token/],
    ['token under another key', { Token: 'x', 'token.txt': 'y' }, /token/],
  ];
  wrongKeys.forEach(([label, data, mentions], i) => {
    it(`a Secret with ${label} is Stalled InvalidSecret naming what is wrong, never its values`, async () => {
      const ns = `wrong-keys-${i}`;
      stack.kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      stack.kube.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'bad', namespace: ns },
        stringData: data,
      });
      await stack.createRepository(ns, 'shop', { secretRef: { name: 'bad' } });
      const repo = await stack.waitForCondition(ns, 'shop', 'Stalled', 'True', 'InvalidSecret');
      const message = condition(repo, 'Ready')!.message;
      expect(message).toMatch(mentions);
      for (const value of Object.values(data).filter((v) => v.trim().length > 0)) {
        expect(message).not.toContain(`'${value}'`);
      }
    });
  });
});

describe('where filters with quotes', () => {
  const refused: [string, string][] = [
    ['an unterminated literal', "Slug = 'web"],
    ['a doubled quote (ConfigHub has no escape)', "Slug = 'it''s'"],
    ['an OR injection', "Slug = 'web-properties' OR 'a' = 'a'"],
    ['a quote-doubling injection', "Slug = 'x'' OR ''a''=''a'"],
    ['double quotes', 'Labels.tier = "web"'],
    ['a statement terminator', "Slug = 'web'; DROP TABLE units"],
    ['a comment', "Slug = '' AND 1=1 --"],
  ];
  refused.forEach(([label, where], i) => {
    it(`${label} is Stalled InvalidFilter`, async () => {
      await stack.createRepository('where', `refused-${i}`, { where });
      const repo = await stack.waitForCondition('where', `refused-${i}`, 'Stalled', 'True', 'InvalidFilter');
      expect(condition(repo, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidFilter' });
      expect(repo.status!.artifact).toBeUndefined();
    });
  });

  it('an unterminated literal is refused before anything is sent upstream', () => {
    expect(stack.emulator.requests.filter((r) => r.query['where']?.includes("Slug = 'web AND"))).toEqual([]);
  });

  it('a quoted selection never widens past the toolchain clause', async () => {
    await stack.createRepository('where', 'narrow', { where: "Slug IN ('web','web-properties')" });
    const repo = await stack.waitForReady('where', 'narrow');
    expect(repo.status!.fetched!.units!.map((u) => u.slug)).toEqual(['web']);
  });
});

describe('the artifact server of the running controller', () => {
  let good: NonNullable<NonNullable<Repo['status']>['artifact']>;
  let base: string;
  beforeAll(async () => {
    await stack.createRepository('served', 'shop');
    good = (await stack.waitForReady('served', 'shop')).status!.artifact!;
    base = stack.controller!.servers.artifacts.url;
    // Plant what an attacker with write access next to the storage root might: symlinks to a secret.
    const outside = join(stack.storagePath, '..', `outside-${process.pid}.txt`);
    await writeFile(outside, 'TOP-SECRET');
    const dir = join(stack.storagePath, 'confighubrepository', 'served', 'shop');
    await symlink(outside, join(dir, `${'e'.repeat(64)}.tar.gz`));
    await mkdir(join(stack.storagePath, 'confighubrepository', 'linked'), { recursive: true });
    await symlink(
      join(stack.storagePath, '..'),
      join(stack.storagePath, 'confighubrepository', 'linked', 'up'),
    );
  });

  afterAll(async () => {
    await rm(join(stack.storagePath, '..', `outside-${process.pid}.txt`), { force: true });
  });

  it('serves the published artifact byte for byte', async () => {
    const served = await download(good.url);
    expect(served.status).toBe(200);
    expect(sha256(served.bytes)).toBe(good.digest);
  });

  it('answers traversal, encoded traversal and planted symlinks with 400/404 and never the secret', async () => {
    const outsideName = `outside-${process.pid}.txt`;
    const paths = [
      `/../${outsideName}`,
      `/%2e%2e/${outsideName}`,
      `/%2E%2E%2F${outsideName}`,
      `/%252e%252e/${outsideName}`,
      `/confighubrepository/served/shop/..%2f..%2f..%2f..%2f${outsideName}`,
      `/confighubrepository/served/shop/${'e'.repeat(64)}.tar.gz`,
      `/confighubrepository/linked/up/${outsideName}`,
      `/confighubrepository/served/shop/%00${good.path.split('/').pop()}`,
      `/confighubrepository/served/shop/..\\..\\..\\..\\${outsideName}`,
      `/confighubrepository/served/shop/\uff0e\uff0e/${outsideName}`,
      `//${outsideName}`,
      '/confighubrepository/served/shop/',
      '/confighubrepository/served/shop/.lock',
    ];
    for (const path of paths) {
      const response = await rawRequest(base, path);
      expect([400, 404], path).toContain(response.status);
      expect(response.body.toString('latin1'), path).not.toContain('TOP-SECRET');
    }
  });

  it('keeps serving correctly after the hostile requests', async () => {
    const served = await download(good.url);
    expect(sha256(served.bytes)).toBe(good.digest);
    expect(stack.kube.get(SECRET, 'served', 'confighub-token')).toBeDefined();
  });
});
