// The subcommand table. Each command lives in its own module, loaded only when invoked.

export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export interface CommandModule {
  run(argv: string[], io: CommandIO): Promise<number>;
}

export interface Command {
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: Record<string, Command> = {
  controller: {
    summary: 'Run the controller against the current cluster.',
    load: () => import('./controller.ts'),
  },
  build: {
    summary: 'Fetch a ConfigHub space once and write its artifact to a directory.',
    load: () => import('./build.ts'),
  },
  demo: {
    summary: 'Run the local demo: emulator, test API server, controller and samples.',
    load: () => import('./demo.ts'),
  },
  emulator: {
    summary: 'Serve a local ConfigHub emulator with a fixture space (for tests and demos).',
    load: () => import('./emulator.ts'),
  },
};
