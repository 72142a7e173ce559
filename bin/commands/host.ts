import { createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type Observable, tap } from 'rxjs';
import { formatEntry } from '../../streams/replay/recording.js';
import { type HostRoleConfig, type HostRoleEvent, hostRole$ } from '../../streams/host/host-role.js';
import { loadConfigFile, serve, serverLogger } from '../cli.js';
import { usageError } from '../failure.js';
import { readServiceKeyFile } from '../service-key.js';

/** What `warp-p2p host` and `vps` share, parsed (bin/program.ts). */
interface ServerRoleOptions {
  readonly coordinator: string;
  readonly id: string;
  readonly port: number;
  readonly host: string;
  readonly capacity: number;
  readonly record?: string;
  readonly config?: string;
  readonly json?: true;
  readonly logLevel: string;
  readonly logFile?: string;
}

/** `warp-p2p host` flags. */
export interface HostOptions extends ServerRoleOptions {
  readonly maps: readonly string[];
  readonly account: string;
  readonly password: string;
}

/** `warp-p2p vps` flags: one of the two key flags is required. */
export interface VpsOptions extends ServerRoleOptions {
  readonly serviceKey?: string;
  readonly serviceKeyFile?: string;
}

/**
 * A server that never reached the coordinator stops: a wrong --coordinator is the user's to fix, not a fault to
 * ride out. Once registered, losing the coordinator is such a fault (a restart): the agent reconnects by itself.
 */
const unreachableBeforeRegistered = (events$: Observable<HostRoleEvent>): Observable<HostRoleEvent> => {
  let registered = false;
  return events$.pipe(
    tap((event) => {
      if (event.event !== 'coordinator') return;
      if (event.type === 'registered') registered = true;
      else if (!registered && event.type === 'disconnected' && event.error.code === 'ERR_CONNECTION_FAILED')
        throw event.error;
    }),
  );
};

const runServer = async (
  options: ServerRoleOptions,
  role: HostRoleConfig['role'],
  fields: Pick<HostRoleConfig, 'maps' | 'credentials'>,
): Promise<void> => {
  if (availableParallelism() === 1 && !process.execArgv.includes('--single-threaded-gc')) {
    process.stderr.write(
      '[P2P] this host may use one core: run it with `node --single-threaded-gc` (see the README), or ' +
        "V8's concurrent GC threads take that core from the tick loop during a full GC\n",
    );
  }
  const config = loadConfigFile(options.config);
  const recording = options.record === undefined ? null : createWriteStream(options.record);
  const events$ = hostRole$({
    coordinatorUrl: options.coordinator,
    hostId: options.id,
    role,
    listen: { host: options.host, port: options.port },
    capacity: options.capacity,
    config,
    ...fields,
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
  try {
    await serve(
      unreachableBeforeRegistered(events$),
      options.json === true,
      serverLogger(options, role === 'vps' ? 'vps' : 'host'),
    );
  } finally {
    await new Promise<void>((resolve) => (recording === null ? resolve() : recording.end(resolve)));
  }
};

/**
 * `warp-p2p host --coordinator URL --id ID --port N --maps a,b --account NAME --password P [--capacity N]`: runs
 * until a signal. Rejects with ERR_AUTH_FAILED (wrong password), ERR_AUTH_ROLE (an account that may not host),
 * ERR_CONNECTION_FAILED (coordinator never reached), ERR_PORT_IN_USE, ERR_CONFIG_*.
 */
export const hostCommand = (options: HostOptions): Promise<void> =>
  runServer(options, 'p2p', {
    maps: options.maps,
    credentials: { account: options.account, password: options.password },
  });

/**
 * `warp-p2p vps --coordinator URL --port N (--service-key K | --service-key-file FILE) [--id vps]`: runs until a
 * signal. Rejects like `hostCommand`, with ERR_AUTH_FAILED for a wrong service key and ERR_SERVICE_KEY_FILE.
 */
export const vpsCommand = async (options: VpsOptions): Promise<void> => {
  const serviceKey =
    options.serviceKeyFile === undefined ? options.serviceKey : readServiceKeyFile(options.serviceKeyFile);
  if (serviceKey === undefined)
    throw usageError('--service-key or --service-key-file is required (see warp-p2p vps --help)');
  await runServer(options, 'vps', { maps: [], credentials: { serviceKey } });
};
