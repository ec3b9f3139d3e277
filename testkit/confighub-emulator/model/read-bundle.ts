// Reads a release bundle (tar.gz) back into entries, for tests of the emulator and of its clients.
import { Parser } from 'tar';

export interface BundleEntry {
  path: string;
  data: Buffer;
  mode: number | undefined;
  mtime: Date | undefined;
}

export function readBundle(gz: Uint8Array): Promise<BundleEntry[]> {
  const entries: BundleEntry[] = [];
  return new Promise((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () =>
          entries.push({
            path: entry.path,
            data: Buffer.concat(chunks),
            mode: entry.mode,
            mtime: entry.mtime,
          }),
        );
      },
    });
    parser.on('end', () => resolve(entries));
    parser.on('error', reject);
    parser.end(Buffer.from(gz));
  });
}
