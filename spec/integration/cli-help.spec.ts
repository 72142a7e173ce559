import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { expect } from 'chai';
import { createProgram } from '../../bin/program.js';
import { runCli } from '../support/run-cli.js';

/** Every command of the program with its path (`['account', 'add']`), the program itself first. */
const commandsOf = (command: Command, path: readonly string[] = []): [readonly string[], Command][] => [
  [path, command],
  ...command.commands.flatMap((sub) => commandsOf(sub, [...path, sub.name()])),
];

/** The long flags a help text lists in its Options section (wrapped description lines are indented deeper). */
const listedFlags = (help: string): string[] => {
  const section = help.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
  return section.split('\n').flatMap((line) => {
    const flag = /^ {2}(?:-\w, )?(--[a-z][a-z-]*)/.exec(line)?.[1];
    return flag === undefined ? [] : [flag];
  });
};

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The modules a file loads before it runs, transitively: its static imports (`import type` is erased, dynamic
 * `import()` waits for a role to run). Relative ones as paths from the repository, packages by name.
 */
const staticGraph = (entry: string): Set<string> => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    const id = relative(root, file);
    if (seen.has(id)) return;
    seen.add(id);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier] of source.matchAll(
      /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm,
    )) {
      if (specifier === undefined) continue;
      if (!specifier.startsWith('.')) seen.add(specifier);
      else {
        const target = join(dirname(file), specifier).replace(/\.js$/, '.ts');
        if (existsSync(target)) visit(target);
      }
    }
  };
  visit(entry);
  return seen;
};

const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe('warp-p2p --help', function () {
  this.timeout(60_000);
  const program = createProgram(version);
  // `help` is commander's own command: it has no options to list.
  const commands = commandsOf(program).filter(([path]) => path[0] !== 'help');

  it('should define every role the README names', () => {
    const names = commands.map(([path]) => path.join(' '));
    expect(names).to.include.members([
      'demo',
      'coordinator',
      'host',
      'vps',
      'client',
      'replay',
      'account add',
      'doctor',
      'version',
    ]);
  });

  for (const [path, command] of commands) {
    const name = ['warp-p2p', ...path].join(' ');
    it(`should list exactly the flags "${name}" accepts, and exit 0`, async () => {
      const { code, stdout, stderr } = await runCli([...path, '--help']);
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      expect(stdout).to.match(new RegExp(`^Usage: ${name}`));
      // The definitions parse: what they hold is what the role accepts. --help is commander's own.
      const accepted = [...command.options.map((option) => option.long), '--help'];
      expect([...listedFlags(stdout)].sort()).to.deep.equal([...accepted].sort());
    });
  }

  it('should keep the flags each role had (a flag dropped from a definition fails here)', () => {
    const flags = (name: string) =>
      commands.find(([path]) => path.join(' ') === name)?.[1].options.map((o) => o.long) ?? [];
    const logs = ['--log-level', '--log-file', '--json', '--config', '--host', '--port'];
    expect(flags('demo')).to.have.members(['--bots', '--duration']);
    expect(flags('coordinator')).to.include.members([
      ...logs,
      '--data-dir',
      '--accounts',
      '--allow-guests',
      '--service-key',
    ]);
    expect(flags('host')).to.include.members([
      ...logs,
      '--coordinator',
      '--id',
      '--maps',
      '--capacity',
      '--account',
      '--password',
      '--record',
    ]);
    expect(flags('vps')).to.include.members([
      ...logs,
      '--coordinator',
      '--id',
      '--capacity',
      '--service-key',
      '--service-key-file',
      '--record',
    ]);
    expect(flags('client')).to.include.members([
      '--coordinator',
      '--player',
      '--password',
      '--map',
      '--json',
      '--config',
      '--log-level',
      '--log-file',
      '--record',
    ]);
    expect(flags('replay')).to.have.members(['--until-tick', '--entity', '--map', '--json']);
    expect(flags('account add')).to.have.members(['--host', '--password', '--accounts']);
  });

  it('should load no role for --help: main.ts imports commander, the definitions and the option parsers only', () => {
    const graph = [...staticGraph(join(root, 'bin', 'main.ts'))];
    expect(graph).to.include.members(['bin/main.ts', 'bin/program.ts', 'commander']);
    // Every role's module and what it pulls in (rxjs, ws, winston, node-forge, io-ts) waits for its action.
    expect(graph.filter((id) => id.startsWith('bin/commands/') || id.startsWith('streams/'))).to.deep.equal(
      [],
    );
    expect(graph.filter((id) => !id.startsWith('node:') && !id.includes('/'))).to.have.members(['commander']);
  });

  it('should answer -h like --help', async () => {
    const [short, long] = await Promise.all([runCli(['vps', '-h']), runCli(['vps', '--help'])]);
    expect(short.code).to.equal(0);
    expect(short.stdout).to.equal(long.stdout);
  });

  it('should print the same help for "help ROLE" as for "ROLE --help"', async () => {
    const [viaHelp, viaFlag] = await Promise.all([
      runCli(['help', 'coordinator']),
      runCli(['coordinator', '--help']),
    ]);
    expect(viaHelp.code).to.equal(0);
    expect(viaHelp.stdout).to.equal(viaFlag.stdout);
  });

  it('should list every command in "warp-p2p help", and print it with no arguments too', async () => {
    const [help, bare] = await Promise.all([runCli(['help']), runCli([])]);
    expect(help.code).to.equal(0);
    expect(bare.code).to.equal(0);
    expect(bare.stdout).to.equal(help.stdout);
    const listed = help.stdout
      .split('\nCommands:\n')[1]
      ?.split('\n')
      .flatMap((line) => /^ {2}([a-z]+)/.exec(line)?.[1] ?? []);
    // `help` is commander's own command, not in program.commands.
    expect(listed).to.have.members([...program.commands.map((c) => c.name()), 'help']);
  });
});
