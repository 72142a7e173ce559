import { readFileSync } from 'node:fs';
import { channelDemo$ } from '../streams/demo/channel-demo.js';

const USAGE = `warp-p2p: P2P hosting of game maps with automatic failover to a dedicated server

usage: warp-p2p <command>

commands:
  demo        a host and a client on 127.0.0.1: certificates, ticket, handshake, encrypted
              traffic and a key rotation (the full failover demo comes with the host and client roles)
  help        this text
  version     the package version
`;

const version = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

const [command = 'help'] = process.argv.slice(2);
switch (command) {
  case 'demo':
    channelDemo$().subscribe({
      next: (line) => console.log(`[P2P] ${line}`),
      error: (error: unknown) => {
        const { code, message } = error as { code?: string; message?: string };
        console.error(`[P2P] demo failed: ${code ?? 'error'} ${message ?? String(error)}`);
        process.exitCode = 1;
      },
    });
    break;
  case 'version':
  case '--version':
    console.log(version());
    break;
  case 'help':
  case '--help':
    process.stdout.write(USAGE);
    break;
  default:
    process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
    process.exitCode = 2;
}
