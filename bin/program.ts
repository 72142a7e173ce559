import { Command, type CommanderError } from 'commander';
import { usageError } from './failure.js';
import { checkRequired } from './flags.js';
import {
  defineAccount,
  defineClient,
  defineCoordinator,
  defineDemo,
  defineDoctor,
  defineHost,
  defineReplay,
  defineVps,
} from './roles.js';

// Every role's flags, defined once (roles.ts, flags.ts): commander parses them and generates `--help` from the
// same objects. Each role's module is imported only when it runs, so `--help` loads commander and these files.

const ROOT_NOTES = `
Every role has its own help: warp-p2p help ROLE, or warp-p2p ROLE --help.
Exit codes: 0 done, 1 a failure ("[P2P] CODE: message" on stderr, one line, codes in docs/ERRORS.md),
2 a usage error ("[P2P] ERR_USAGE: …": unknown command or flag, missing flag, bad value).`;

/** Every command's path (`warp-p2p account add`), for the usage error's pointer to its help. */
const pathOf = (command: Command): string =>
  command.parent === null ? command.name() : `${pathOf(command.parent)} ${command.name()}`;

/** Commander's usage errors become ERR_USAGE (exit 2) naming the command whose help tells more. */
const onCommanderExit =
  (command: Command) =>
  (error: CommanderError): never => {
    if (error.exitCode === 0 || error.code === 'commander.help') throw error;
    throw usageError(`${error.message.replace(/^error: /, '')} (see ${pathOf(command)} --help)`);
  };

const setUsageErrors = (command: Command): void => {
  command.exitOverride(onCommanderExit(command));
  for (const sub of command.commands) setUsageErrors(sub);
};

/**
 * The `warp-p2p` program: every role, `help [command]`, `version` and `--version`. Errors are thrown, never
 * printed or exited on (bin/main.ts prints them): usage errors as `ERR_USAGE` CliErrors, `--help` and `--version`
 * as commander's exit-0 errors.
 */
export const createProgram = (version: string): Command => {
  const program = new Command('warp-p2p')
    .description('P2P hosting of game maps with automatic failover to a dedicated server')
    .version(version, '-V, --version', 'print the package version')
    .helpCommand('help [command]', "a command's help")
    .showSuggestionAfterError(true)
    // The one line main.ts prints replaces commander's own.
    .configureOutput({ outputError: () => undefined })
    .addHelpText('after', ROOT_NOTES);
  defineDemo(program, async (options) => (await import('./commands/demo.js')).demoCommand(options));
  defineCoordinator(program, async (options) =>
    (await import('./commands/coordinator.js')).coordinatorCommand(options),
  );
  defineHost(program, async (options) => (await import('./commands/host.js')).hostCommand(options));
  defineVps(program, async (options) => (await import('./commands/host.js')).vpsCommand(options));
  defineClient(program, async (options) => (await import('./commands/client.js')).clientCommand(options));
  defineReplay(program, async (file, options) =>
    (await import('./commands/replay.js')).replayCommand(file, options),
  );
  defineAccount(program, async (name, options) =>
    (await import('./commands/account.js')).accountAddCommand(name, options),
  );
  defineDoctor(program, async (options) => (await import('./commands/doctor.js')).doctorCommand(options));
  program
    .command('version')
    .description('print the package version')
    .action(() => console.log(version));
  setUsageErrors(program);
  program.hook('preAction', checkRequired);
  return program;
};
