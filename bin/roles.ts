import { type Command, Option } from 'commander';
import type { AccountAddOptions } from './commands/account.js';
import type { ClientOptions } from './commands/client.js';
import type { CoordinatorOptions } from './commands/coordinator.js';
import type { DemoOptions } from './commands/demo.js';
import type { DoctorOptions } from './commands/doctor.js';
import type { HostOptions, VpsOptions } from './commands/host.js';
import type { ReplayOptions } from './commands/replay.js';
import { usageError } from './failure.js';
import {
  SERVER_NOTES,
  addOptions,
  configOption,
  coordinatorUrl,
  logOptions,
  recordOption,
  required,
  serverOptions,
} from './flags.js';
import {
  accountName,
  integerAtLeast,
  integerBetween,
  mapId,
  mapList,
  nonEmpty,
  positiveNumber,
} from './options.js';

// Each role's command: its description and flags, and the action that runs it (given by program.ts, which
// imports the role's module only then).

/** A role's action: imports the role's module and runs it. */
export type Run<T> = (options: T) => Promise<void>;

/** Adds `warp-p2p demo` to the program. */
export const defineDemo = (program: Command, run: Run<DemoOptions>) =>
  program
    .command('demo')
    .description(
      'a coordinator, two P2P hosts, a VPS and bot clients on 127.0.0.1, each a real process; after 10 s (half ' +
        'the duration if shorter) it ' +
        'kills host-1 and its bots fail over to the VPS (what npm start runs); exits by itself',
    )
    .addOption(
      new Option('--bots <n>', 'bot clients walking on the maps')
        .argParser(integerBetween(1, 200))
        .default(8),
    )
    .addOption(new Option('--duration <s>', 'seconds to run').argParser(positiveNumber).default(20))
    .action((options: DemoOptions) => run(options));

/** Adds `warp-p2p coordinator` to the program. */
export const defineCoordinator = (program: Command, run: Run<CoordinatorOptions>) =>
  addOptions(
    program
      .command('coordinator')
      .description(
        'the coordinator: accounts, the CA that certifies hosts, map leases with epochs, tickets; the CA, the ' +
          'ticket key, leases.json and host-ids.json are kept in --data-dir',
      ),
    [
      required(
        new Option(
          '--data-dir <dir>',
          'where its keys and leases are kept (created on first start)',
        ).argParser(nonEmpty),
      ),
      new Option('--accounts <file>', 'accounts file (warp-p2p account add writes it)'),
      new Option('--allow-guests', 'names not in the accounts file log in as players without a password'),
      new Option(
        '--service-key <key>',
        'the key the VPS registers with (default: generated once, kept in DATA-DIR/service-key, mode 0600)',
      ).argParser(nonEmpty),
      ...serverOptions('coordinator'),
    ],
  )
    .addHelpText('after', SERVER_NOTES)
    .action((options: CoordinatorOptions) => run(options));

/** Adds `warp-p2p host` to the program. */
export const defineHost = (program: Command, run: Run<HostOptions>) =>
  addOptions(program.command('host').description("a P2P host: a player's machine serving maps"), [
    coordinatorUrl(),
    required(
      new Option('--id <id>', 'this host id (the first account to register an id keeps it)').argParser(
        nonEmpty,
      ),
    ),
    required(new Option('--maps <a,b>', 'maps it offers, comma-separated').argParser(mapList)),
    required(new Option('--account <name>', 'a host account').argParser(nonEmpty)),
    required(new Option('--password <password>', "the account's password").argParser(nonEmpty)),
    new Option('--capacity <n>', 'most players at once').argParser(integerAtLeast(0)).default(32),
    recordOption('every session, join, leave and clamped input'),
    ...serverOptions('host'),
  ])
    .addHelpText('after', SERVER_NOTES)
    .action((options: HostOptions) => run(options));

/** Adds `warp-p2p vps` to the program. */
export const defineVps = (program: Command, run: Run<VpsOptions>) =>
  addOptions(
    program
      .command('vps')
      .description(
        'the VPS: the dedicated server maps fail over to, restored from the checkpoints clients carry',
      ),
    [
      coordinatorUrl(),
      new Option('--id <id>', 'this server id').argParser(nonEmpty).default('vps'),
      new Option('--service-key <key>', "the coordinator's service key").argParser(nonEmpty),
      new Option(
        '--service-key-file <file>',
        "a file holding the coordinator's service key (the coordinator's DATA-DIR/service-key)",
      ).conflicts('serviceKey'),
      new Option('--capacity <n>', 'most players at once').argParser(integerAtLeast(0)).default(32),
      recordOption('every session, join, leave and clamped input'),
      ...serverOptions('VPS'),
    ],
  )
    .addHelpText('after', `\nOne of --service-key and --service-key-file is required.${SERVER_NOTES}`)
    .action((options: VpsOptions) => run(options));

/** Adds `warp-p2p client` to the program. */
export const defineClient = (program: Command, run: Run<ClientOptions>) =>
  addOptions(
    program
      .command('client')
      .description(
        'a game client: WASD or arrow keys move, "/" types a /p2p command, Ctrl-C leaves; with --json (or when ' +
          'stdin is not a terminal) one JSON line per event, and stdin lines "/p2p …" or "move DX DY"',
      ),
    [
      coordinatorUrl(),
      required(new Option('--player <name>', 'account name').argParser(nonEmpty)),
      new Option('--password <password>', "the account's password (none for a guest)").argParser(nonEmpty),
      required(new Option('--map <map>', 'the map to play').argParser(mapId)),
      new Option('--json', 'one JSON line per event on stdout, commands on stdin; logs go to stderr'),
      configOption(),
      ...logOptions('warn'),
      recordOption('what the client heard, sent and saw'),
    ],
  )
    .addHelpText(
      'after',
      '\nA failure (wrong password, unknown map, coordinator unreachable, …) prints one line ' +
        '"[P2P] CODE: message" on stderr and exits 1.',
    )
    .action((options: ClientOptions) => run(options));

/** Adds `warp-p2p replay` to the program. */
export const defineReplay = (
  program: Command,
  run: (file: string, options: ReplayOptions) => Promise<void>,
) =>
  program
    .command('replay')
    .description(
      "replays a client's or a host's --record file on virtual time: the timeline, and the world hash checked " +
        'at every recorded hash point; exits 1 with ERR_REPLAY_MISMATCH when the rebuilt world differs',
    )
    .argument('<file>', 'a --record file (JSON lines)')
    .addOption(new Option('--until-tick <n>', 'print the world at this tick').argParser(integerAtLeast(0)))
    .addOption(new Option('--entity <id>', 'follow this entity').argParser(integerAtLeast(0)))
    .addOption(new Option('--map <map>', "which of a host's maps to replay").argParser(mapId))
    .addOption(new Option('--json', 'one JSON object on stdout'))
    .action((file: string, options: ReplayOptions) => run(file, options));

/** Adds `warp-p2p account` to the program. */
export const defineAccount = (
  program: Command,
  run: (name: string, options: AccountAddOptions) => Promise<void>,
) => {
  const account = program
    .command('account')
    .description('manages the accounts file')
    .action(() => {
      throw usageError('account needs a subcommand: add (see warp-p2p account --help)');
    });
  account
    .command('add')
    .description('adds or replaces an account (its password hashed with scrypt)')
    .argument('<name>', 'account name', accountName)
    .addOption(new Option('--host', 'the account may host maps (besides playing)'))
    .addOption(
      new Option('--password <password>', 'its password (default: one is generated and printed)').argParser(
        nonEmpty,
      ),
    )
    .addOption(
      new Option('--accounts <file>', 'the accounts file (created if missing)').default('accounts.json'),
    )
    .action((name: string, options: AccountAddOptions) => run(name, options));
};

/** Adds `warp-p2p doctor` to the program. */
export const defineDoctor = (program: Command, run: Run<DoctorOptions>) =>
  program
    .command('doctor')
    .description(
      'what this install runs with: the Node version, which AES-256-GCM implementation seals frames and why, ' +
        'the configuration it would load',
    )
    .addOption(configOption())
    .addOption(new Option('--json', 'one JSON object on stdout'))
    .action((options: DoctorOptions) => run(options));
