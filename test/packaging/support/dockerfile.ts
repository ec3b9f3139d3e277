// A small Dockerfile reader: enough to check the instructions this project uses (no build engine here).
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
export interface Stage {
  image: string;
  name: string | undefined;
  /** `FROM --platform=…`'s value, e.g. `$BUILDPLATFORM`. */
  platform: string | undefined;
  instructions: Instruction[];
}

/** Splits a Dockerfile into instructions (continuations joined, comments and parser directives dropped). */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (buffer === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (buffer !== '' && line.trimStart().startsWith('#')) return;
    if (buffer === '') start = index + 1;
    if (line.endsWith('\\')) {
      buffer += `${line.slice(0, -1)} `;
      return;
    }
    buffer += line;
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(buffer);
    if (!match) throw new Error(`Dockerfile line ${start}: cannot parse ${JSON.stringify(buffer)}`);
    out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim().replace(/\s+/g, ' '), line: start });
    buffer = '';
  });
  if (buffer !== '') throw new Error('Dockerfile ends inside a line continuation');
  return out;
}

export function stages(instructions: readonly Instruction[]): Stage[] {
  const out: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(' ');
      const parts = words.filter((p) => !p.startsWith('--'));
      const platform = words.find((p) => p.startsWith('--platform='))?.slice('--platform='.length);
      const as = parts.findIndex((p) => p.toUpperCase() === 'AS');
      out.push({ image: parts[0]!, name: as >= 0 ? parts[as + 1] : undefined, platform, instructions: [] });
    } else if (out.length > 0) {
      out[out.length - 1]!.instructions.push(instruction);
    } else if (instruction.keyword !== 'ARG') {
      throw new Error(`Dockerfile line ${instruction.line}: ${instruction.keyword} before FROM`);
    }
  }
  return out;
}

/** `LABEL k="v" k2=v2` → map. */
export function labels(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of args.matchAll(/([A-Za-z0-9._/-]+)=("((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    out[match[1]!] = match[3] ?? match[4] ?? '';
  }
  return out;
}
