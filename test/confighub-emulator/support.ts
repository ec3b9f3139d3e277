// Shared helpers for the emulator's HTTP tests: one emulator per file, small request wrappers.
import { afterAll, beforeAll } from 'vitest';
import {
  type ConfigHubEmulator,
  type EmulatorOptions,
  startEmulator,
} from '../../testkit/confighub-emulator/index.ts';

export const PROD_ID = '5a0c1e00-0001-4000-8000-000000000001';
export const STAGING_ID = '5a0c1e00-0002-4000-8000-000000000001';
export const PROD_WEB_ID = '5a0c1e00-0001-4000-8000-000000000102';
export const MISSING_ID = '5a0c1e00-0009-4000-8000-000000000009';

export interface Answer {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
  /** Parsed JSON body (undefined when the body is not JSON). */
  json: unknown;
}

/** Starts an emulator for the enclosing file and closes it afterwards. */
export function useEmulator(options: EmulatorOptions = {}): () => ConfigHubEmulator {
  let emulator: ConfigHubEmulator | undefined;
  beforeAll(async () => {
    emulator = await startEmulator(options);
  });
  afterAll(async () => {
    await emulator?.close();
  });
  return () => {
    if (emulator === undefined) throw new Error('emulator not started');
    return emulator;
  };
}

export async function call(
  emu: ConfigHubEmulator,
  path: string,
  init: { token?: string | null; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? emu.fixture.token : init.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(`${emu.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    redirect: 'manual',
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, bytes, text, json };
}

/** `path?where=…` with the expression URL-encoded, plus any extra parameters. */
export function withQuery(path: string, params: Record<string, string>): string {
  return `${path}?${new URLSearchParams(params).toString()}`;
}

export async function workerToken(emu: ConfigHubEmulator): Promise<string> {
  const answer = await call(emu, '/auth/worker', {
    token: null,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ worker_id: emu.fixture.workerID, worker_secret: emu.fixture.workerSecret }),
  });
  if (answer.status !== 200) throw new Error(`worker auth failed: ${answer.status}`);
  return (answer.json as { access_token: string }).access_token;
}

type Envelope = Record<string, Record<string, unknown>>;

/** The entity under `key` of each envelope in a list body. */
export function entities(answer: Answer, key: string): Record<string, unknown>[] {
  return (answer.json as Envelope[]).map((e) => e[key]!);
}

export function slugs(answer: Answer, key = 'Unit'): string[] {
  return entities(answer, key).map((e) => e['Slug'] as string);
}
