// The machine the numbers were taken on, for the results header.
import { cpus, loadavg, totalmem } from 'node:os';
import { exec } from './exec.ts';
import { MiB } from './format.ts';

export interface MachineInfo {
  nproc: string;
  cpuModel: string;
  memory: string;
  node: string;
  kernel: string;
  loadAverage: string;
  tools: string[];
}

async function firstLine(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await exec(command, args, { timeoutMs: 10_000 });
    return (stdout.trim() || stderr.trim()).split('\n')[0] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

export async function describeMachine(): Promise<MachineInfo> {
  const tools = await Promise.all([
    firstLine('tar', ['--version']),
    firstLine('gzip', ['--version']),
    firstLine('sha256sum', ['--version']),
    firstLine('nginx', ['-v']),
    firstLine('wrk', ['--version']),
    firstLine('kubectl', ['version', '--client']),
  ]);
  return {
    nproc: (await firstLine('nproc', [])).trim(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memory: `${Math.round(totalmem() / MiB)} MiB`,
    node: `${process.version} (zlib ${process.versions.zlib})`,
    kernel: await firstLine('uname', ['-srm']),
    loadAverage: loadavg()
      .map((v) => v.toFixed(2))
      .join(' / '),
    tools,
  };
}
