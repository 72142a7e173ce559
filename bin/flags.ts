import { type Command, Option } from 'commander';
import { nonEmpty, portNumber } from './options.js';

// The flags several roles share, and how a required one is marked and checked. Light: `--help` loads it.

/** Winston's levels, most severe first. */
const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

/** Options a command cannot run without. Checked after unknown flags, so `--bogus` is named before them. */
const REQUIRED = new WeakSet<Option>();

/** Marks an option required (its help says so). */
export const required = (option: Option): Option => {
  REQUIRED.add(option);
  option.description = `${option.description} (required)`;
  return option;
};

/** `--config FILE`: servers, the client and doctor. */
export const configOption = () =>
  new Option('--config <file>', 'INI configuration to load (default: the values config/p2p.ini ships)');
/** `--log-level` (default `level`) and `--log-file`. */
export const logOptions = (level: string) => [
  new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default(level),
  new Option('--log-file <file>', 'append JSON log lines {ts, level, component, event, data} to this file'),
];
/** What every server (coordinator, host, VPS) takes: where it listens, its config, output and logs. */
export const serverOptions = (component: string) => [
  new Option('--host <address>', 'address to listen on (0.0.0.0: every interface)').default('127.0.0.1'),
  required(new Option('--port <n>', 'port to listen on (0: a free one)').argParser(portNumber)),
  configOption(),
  new Option('--json', `one JSON line per ${component} event on stdout`),
  ...logOptions('info'),
];
/** `--coordinator URL`, required: the host, the VPS and the client. */
export const coordinatorUrl = () =>
  required(
    new Option('--coordinator <url>', 'the coordinator, e.g. ws://127.0.0.1:7000').argParser(nonEmpty),
  );
/** `--record FILE.jsonl`: what `warp-p2p replay` reads. */
export const recordOption = (what: string) =>
  new Option('--record <file.jsonl>', `record ${what} to this file, for warp-p2p replay`);

/** The end of a server's help: what it prints, how it stops, how it fails. */
export const SERVER_NOTES = `
Prints "listening <url>" when ready ({"event":"listening","url":…} with --json), then one line per event.
Ctrl-C (SIGINT) or SIGTERM stops it. A failure prints one line "[P2P] CODE: message" on stderr and exits 1.`;

/** Adds the options to the command, in order; returns the command. */
export const addOptions = (command: Command, options: readonly Option[]): Command => {
  for (const option of options) command.addOption(option);
  return command;
};

/** Before a role runs (its flags known and valid): every required flag is there. */
export const checkRequired = (_program: Command, command: Command): void => {
  const missing = command.options.find(
    (option) => REQUIRED.has(option) && command.getOptionValue(option.attributeName()) === undefined,
  );
  if (missing !== undefined)
    command.error(`required option '${missing.flags}' not specified`, {
      code: 'commander.missingMandatoryOptionValue',
    });
};
