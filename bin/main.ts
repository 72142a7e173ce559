import { readFileSync } from 'node:fs';
import { CliError } from './cli.js';
import { accountCommand } from './commands/account.js';
import { clientCommand } from './commands/client.js';
import { coordinatorCommand } from './commands/coordinator.js';
import { demoCommand } from './commands/demo.js';
import { hostCommand } from './commands/host.js';
import { replayCommand } from './commands/replay.js';

const USAGE = `warp-p2p: P2P hosting of game maps with automatic failover to a dedicated server

usage: warp-p2p <command> [flags]

commands:
  demo          a host and a client on 127.0.0.1: certificates, ticket, handshake, encrypted
                traffic and a key rotation
  coordinator   --port N --data-dir DIR [--host H] [--accounts FILE] [--allow-guests]
                [--service-key K] [--config FILE] [--json]
  host          --coordinator URL --id ID --port N --maps a,b --account NAME --password P
                [--capacity N] [--host H] [--config FILE] [--json]
  vps           --coordinator URL --port N --service-key K [--id ID] [--host H] [--config FILE] [--json]
  client        --coordinator URL --player NAME [--password P] --map MAP [--json] [--config FILE]
                [--log-level L] [--log-file FILE] [--record FILE.jsonl]
                (WASD/arrows move, / types a /p2p command)
  replay        FILE.jsonl [--until-tick N] [--entity ID] [--json]   (a client's --record file)
  account add   NAME [--host] [--password P] [--accounts FILE]
  help          this text
  version       the package version

--port 0 picks a free port; servers print "listening <url>" when ready (a JSON line with --json).
`;

const version = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

const COMMANDS: Readonly<Record<string, (args: string[]) => Promise<void>>> = {
  demo: demoCommand,
  coordinator: coordinatorCommand,
  host: hostCommand('p2p'),
  vps: hostCommand('vps'),
  account: accountCommand,
  client: clientCommand,
  replay: replayCommand,
  version: () => Promise.resolve(console.log(version())),
  help: () => Promise.resolve(void process.stdout.write(USAGE)),
};

const [name = 'help', ...args] = process.argv.slice(2);
const command = COMMANDS[name.replace(/^--/, '')];
if (command === undefined) {
  process.stderr.write(`unknown command "${name}"\n\n${USAGE}`);
  process.exitCode = 2;
} else {
  // Exit codes are set, not forced: output to a pipe is flushed before the process ends. The unref'd timer
  // only ends a process that something still holds open after its command finished.
  const finish = (exitCode: number) => {
    process.exitCode = exitCode;
    setTimeout(() => process.exit(exitCode), 2000).unref();
  };
  command(args).then(
    () => finish(0),
    (error: unknown) => {
      const code = (error as { code?: string }).code ?? 'ERR_UNEXPECTED';
      console.error(`[P2P] ${code}: ${error instanceof Error ? error.message : String(error)}`);
      finish(error instanceof CliError ? error.exitCode : 1);
    },
  );
}
