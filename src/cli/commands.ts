// The subcommand table. Each command lives in its own module, loaded only when invoked.

export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

/** What a caller other than a terminal (a test, an embedding program) can pass to a command. */
export interface RunContext {
  /** Ends long-running commands (`get --watch`, waits) as Ctrl-C would. */
  signal?: AbortSignal | undefined;
  /** The clock ages (LAST SEEN, AGE) are computed from, in ms since the epoch; default Date.now. */
  now?: (() => number) | undefined;
}

export interface CommandModule {
  run(argv: string[], io: CommandIO, context?: RunContext): Promise<number>;
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
  get: {
    summary: 'List ConfigHubRepositories with their revision and readiness, as `flux get sources` does.',
    load: () => import('./get.ts'),
  },
  reconcile: {
    summary: 'Ask for a reconcile now and wait for its result.',
    load: () => import('./reconcile.ts'),
  },
  suspend: {
    summary: 'Suspend the reconciliation of ConfigHubRepositories.',
    load: () => import('./suspend.ts'),
  },
  resume: {
    summary: 'Resume suspended ConfigHubRepositories and wait for their reconciliation.',
    load: () => import('./resume.ts'),
  },
  events: {
    summary: 'Show the Kubernetes events of a ConfigHubRepository and its ExternalArtifact.',
    load: () => import('./events.ts'),
  },
  drift: {
    summary: 'Show the drift report of a ConfigHubRepository (exit 1 when drifted, as flux diff).',
    load: () => import('./drift.ts'),
  },
  build: {
    summary: 'Fetch a ConfigHub space once and write its artifact to a directory.',
    load: () => import('./build.ts'),
  },
};
