import { toBuffer } from '../../streams/session/ws-duplex.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ReplaySubject,
  type Observable,
  Subject,
  type Subscription,
  filter,
  firstValueFrom,
  take,
  timeout,
} from 'rxjs';
import { WebSocket } from 'ws';
import { defaultConfig } from '../../config/load-config.js';
import type { Config } from '../../config/schema.js';
import { type KeyPairPem, generateRsaKeyPair } from '../../lib/crypto/pki.js';
import { addAccount, loadAccounts } from '../../streams/coordinator/accounts.js';
import { loadOrCreateAuthority } from '../../streams/coordinator/authority.js';
import { type HostAgentEvent, hostAgent$ } from '../../streams/coordinator/host-agent.js';
import { type PlayerAgentEvent, playerAgent$ } from '../../streams/coordinator/player-agent.js';

export type Assigned = Extract<PlayerAgentEvent, { type: 'assigned' }>;
export type Moved = Extract<PlayerAgentEvent, { type: 'map.moved' }>;
export type LoggedIn = Extract<PlayerAgentEvent, { type: 'logged-in' }>;
export const isAssigned = (e: PlayerAgentEvent): e is Assigned => e.type === 'assigned';
export const isMoved = (e: PlayerAgentEvent): e is Moved => e.type === 'map.moved';
export const isLoggedIn = (e: PlayerAgentEvent): e is LoggedIn => e.type === 'logged-in';
import { type CoordinatorServerEvent, coordinatorServer$ } from '../../streams/coordinator/server.js';
import { type CoordinatorStore, createMemoryStore } from '../../streams/coordinator/store.js';
import { createFileStore } from '../../streams/coordinator/file-store.js';

export const SERVICE_KEY = 'vps-service-key';

export const testConfig: Config = {
  ...defaultConfig,
  P2P_COORDINATOR: {
    ...defaultConfig.P2P_COORDINATOR,
    HeartbeatIntervalMS: 50,
    HeartbeatTimeoutMS: 400,
    LoginRateLimit: 5,
    RestartGraceMS: 0,
  },
};

/** Records a stream's values and lets a test wait for one. */
export class Recorder<T> {
  readonly values: T[] = [];
  private readonly replay = new ReplaySubject<T>(Number.POSITIVE_INFINITY);
  readonly subscription: Subscription;
  error: { code?: string } | undefined;

  constructor(source$: Observable<T>) {
    this.subscription = source$.subscribe({
      next: (value) => {
        this.values.push(value);
        this.replay.next(value);
      },
      error: (error: unknown) => {
        this.error = error as { code?: string };
        this.replay.error(error);
      },
    });
  }

  /** The first value (recorded before or after now) that matches. */
  next<S extends T>(match: (value: T) => value is S, ms?: number): Promise<S>;
  next(match: (value: T) => boolean, ms?: number): Promise<T>;
  next(match: (value: T) => boolean, ms = 5000): Promise<T> {
    return firstValueFrom(this.replay.pipe(filter(match), take(1), timeout(ms)));
  }
}

export interface World {
  readonly dataDir: string;
  readonly accountsPath: string;
  readonly hostKeys: KeyPairPem;
  store: CoordinatorStore;
  coordinator: Recorder<CoordinatorServerEvent>;
  url: string;
  readonly agents: Subscription[];
}

export const createWorld = async (): Promise<World> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warp-coordinator-'));
  const accountsPath = join(dataDir, 'accounts.json');
  await addAccount(accountsPath, 'ann', 'ann-pw', ['player']);
  await addAccount(accountsPath, 'bob', 'bob-pw', ['player']);
  await addAccount(accountsPath, 'hoster', 'host-pw', ['player', 'host']);
  return {
    dataDir,
    accountsPath,
    hostKeys: generateRsaKeyPair(),
    store: createMemoryStore(),
    coordinator: undefined as unknown as Recorder<CoordinatorServerEvent>,
    url: '',
    agents: [],
  };
};

/**
 * Starts (or restarts, on `port`) the coordinator over the world's data dir with the file store the CLI uses (a
 * restart keeps leases and host ids, and forgets hosts and subscriptions); `settings` override testConfig's
 * [P2P_COORDINATOR] keys.
 */
export const startCoordinator = async (
  world: World,
  port = 0,
  restartGraceMs = 0,
  settings: Partial<Config['P2P_COORDINATOR']> = {},
): Promise<void> => {
  world.store = createFileStore(world.dataDir);
  const authority = await loadOrCreateAuthority(world.dataDir, Date.now());
  world.coordinator = new Recorder(
    coordinatorServer$(
      {
        store: world.store,
        authority,
        accounts: loadAccounts(world.accountsPath, { allowGuests: false }),
        serviceKey: SERVICE_KEY,
        config: {
          ...testConfig,
          P2P_COORDINATOR: { ...testConfig.P2P_COORDINATOR, RestartGraceMS: restartGraceMs, ...settings },
        },
      },
      { host: '127.0.0.1', port },
    ),
  );
  const listening = await world.coordinator.next((e) => e.event === 'listening');
  world.url = (listening as { url: string }).url;
};

export const stopWorld = (world: World): void => {
  world.agents.forEach((s) => s.unsubscribe());
  world.coordinator.subscription.unsubscribe();
  rmSync(world.dataDir, { recursive: true, force: true });
};

export const startHost = (
  world: World,
  hostId: string,
  options: { maps?: string[]; capacity?: number; role?: 'p2p' | 'vps' } = {},
): Recorder<HostAgentEvent> => {
  const role = options.role ?? 'p2p';
  const recorder = new Recorder(
    hostAgent$({
      coordinatorUrl: world.url,
      hostId,
      role,
      url: `ws://127.0.0.1:1/${hostId}`,
      maps: options.maps ?? ['forest', 'desert'],
      capacity: options.capacity ?? 10,
      credentials: role === 'vps' ? { serviceKey: SERVICE_KEY } : { account: 'hoster', password: 'host-pw' },
      keys: world.hostKeys,
      heartbeatIntervalMs: testConfig.P2P_COORDINATOR.HeartbeatIntervalMS,
      reconnectDelayMs: 50,
      maxReconnectDelayMs: 200,
    }),
  );
  world.agents.push(recorder.subscription);
  return recorder;
};

export const startPlayer = (
  world: World,
  name: string,
  password: string,
  latencies?: Record<string, number>,
): { events: Recorder<PlayerAgentEvent>; maps: Subject<string> } => {
  const maps = new Subject<string>();
  const events = new Recorder(
    playerAgent$(
      {
        coordinatorUrl: world.url,
        player: name,
        password,
        reconnectDelayMs: 50,
        maxReconnectDelayMs: 200,
        ...(latencies === undefined ? {} : { latencies: () => latencies }),
      },
      maps,
    ),
  );
  world.agents.push(events.subscription);
  return { events, maps };
};

/**
 * A raw control socket, for requests the agents would never send. `localAddress` (another loopback address, such
 * as 127.0.0.2) makes it a client from another address than the specs' other sockets.
 */
export const rawSocket = async (world: World, options: { readonly localAddress?: string } = {}) => {
  const socket = new WebSocket(world.url, options);
  const messages: Record<string, unknown>[] = [];
  const waiters: Array<() => void> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on('message', (data) => {
    messages.push(JSON.parse(toBuffer(data).toString('utf8')) as Record<string, unknown>);
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  // Later errors (the coordinator closing on a protocol error) end in `closed`.
  socket.on('error', () => undefined);
  const waitFor = async (match: (m: Record<string, unknown>) => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = messages.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('no matching message');
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return {
    messages,
    closed,
    isOpen: () => socket.readyState === socket.OPEN,
    send: (text: string | Buffer) => socket.send(text),
    request: (body: Record<string, unknown>) => socket.send(JSON.stringify(body)),
    answer: (id: number | null, ms?: number) => waitFor((m) => m['id'] === id, ms),
    waitFor,
    close: () => socket.close(),
  };
};

export const errorCodeOf = (answer: Record<string, unknown>): string | undefined =>
  (answer['error'] as { code?: string } | undefined)?.code;
