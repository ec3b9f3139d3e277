// Small HTTP helpers: body decoding by content type and JSON responses.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest } from './errors.ts';

export const readBody = async (req: IncomingMessage): Promise<string> =>
  (await readRawBody(req)).toString('utf8');

/** The body as bytes, for binary (protobuf) requests. */
export const readRawBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** Media type without parameters, lower-cased: `application/merge-patch+json`. */
export const mediaType = (contentType: string | undefined): string =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase();

export const decodeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the object provided is unrecognized: ${(err as Error).message}`);
  }
};

export const decodeYaml = (text: string): unknown => {
  try {
    return parseYaml(text);
  } catch (err) {
    throw badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
};

export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
};
