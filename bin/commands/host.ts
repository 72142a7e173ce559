import { createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { formatEntry } from '../../streams/replay/recording.js';
import { MAP_ID_PATTERN } from '../../lib/map-id.js';
import { hostRole$ } from '../../streams/host/host-role.js';
import {
  LOG_OPTIONS,
  loadConfigFile,
  portFlag,
  requireFlag,
  serve,
  serverLogger,
  usageError,
} from '../cli.js';

const options = {
  coordinator: { type: 'string' },
  id: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  maps: { type: 'string' },
  capacity: { type: 'string', default: '32' },
  account: { type: 'string' },
  password: { type: 'string' },
  'service-key': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  ...LOG_OPTIONS,
  record: { type: 'string' },
} as const;

const mapList = (text: string): string[] => {
  const maps = text
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  const bad = maps.find((m) => !MAP_ID_PATTERN.test(m));
  if (bad !== undefined || maps.length === 0)
    throw usageError(`--maps must be a comma-separated list of map ids, got "${text}"`);
  return maps;
};

/**
 * `warp-p2p host --coordinator URL --id ID --port N --maps a,b --account NAME --password P [--capacity N] [--record FILE]`
 * `warp-p2p vps --coordinator URL --port N --service-key K [--id vps]`
 */
export const hostCommand =
  (role: 'p2p' | 'vps') =>
  async (args: string[]): Promise<void> => {
    const { values } = parseArgs({ args, options });
    if (availableParallelism() === 1 && !process.execArgv.includes('--single-threaded-gc')) {
      process.stderr.write(
        '[P2P] this host may use one core: run it with `node --single-threaded-gc` (see the README), or ' +
          "V8's concurrent GC threads take that core from the tick loop during a full GC\n",
      );
    }
    const config = loadConfigFile(values.config);
    const capacity = Number(values.capacity);
    if (!Number.isInteger(capacity) || capacity < 0)
      throw usageError(`--capacity must be a non-negative integer`);
    const recording = values.record === undefined ? null : createWriteStream(values.record);
    const events$ = hostRole$({
      coordinatorUrl: requireFlag(values.coordinator, '--coordinator'),
      hostId: role === 'vps' ? (values.id ?? 'vps') : requireFlag(values.id, '--id'),
      role,
      listen: { host: values.host, port: portFlag(values.port) },
      maps: role === 'vps' ? [] : mapList(requireFlag(values.maps, '--maps')),
      capacity,
      credentials:
        role === 'vps'
          ? { serviceKey: requireFlag(values['service-key'], '--service-key') }
          : {
              account: requireFlag(values.account, '--account'),
              password: requireFlag(values.password, '--password'),
            },
      config,
      ...(recording === null
        ? {}
        : {
            record: {
              next: (entry) => recording.write(`${formatEntry(entry)}\n`),
              error: () => undefined,
              complete: () => undefined,
            },
          }),
    });
    await serve(events$, values.json, serverLogger(values, role === 'vps' ? 'vps' : 'host'));
    await new Promise<void>((resolve) => (recording === null ? resolve() : recording.end(resolve)));
  };
