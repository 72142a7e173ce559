import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject, filter, firstValueFrom, take, type Observable } from 'rxjs';
import { defaultConfig } from '../config/load-config.js';
import { generateRsaKeyPair } from '../lib/crypto/pki.js';
import { addAccount, loadAccounts } from '../streams/coordinator/accounts.js';
import { loadOrCreateAuthority } from '../streams/coordinator/authority.js';
import { hostAgent$ } from '../streams/coordinator/host-agent.js';
import { playerAgent$ } from '../streams/coordinator/player-agent.js';
import { coordinatorServer$ } from '../streams/coordinator/server.js';
import { createMemoryStore } from '../streams/coordinator/store.js';

/**
 * `npm run bench -- coordinator`: how long from a host's control socket closing until every subscribed client
 * holds a `map.moved` push naming the VPS (target: within 100 ms, issue 3). Real sockets on 127.0.0.1, one
 * process; ROUNDS rounds with PLAYERS clients each.
 */
const ROUNDS = 10;
const PLAYERS = 20;

const first = <T>(source$: Observable<T>, match: (value: T) => boolean): Promise<T> =>
  firstValueFrom(source$.pipe(filter(match), take(1)));

export const runCoordinatorBench = async (): Promise<Record<string, number | string>> => {
  const dir = mkdtempSync(join(tmpdir(), 'warp-bench-'));
  const accountsPath = join(dir, 'accounts.json');
  await addAccount(accountsPath, 'hoster', 'pw', ['player', 'host']);
  const config = {
    ...defaultConfig,
    // Every bench client logs in from 127.0.0.1: lift the per-address login limit.
    P2P_COORDINATOR: { ...defaultConfig.P2P_COORDINATOR, RestartGraceMS: 0, LoginRateLimit: 100_000 },
  };
  const server$ = coordinatorServer$(
    {
      store: createMemoryStore(),
      authority: await loadOrCreateAuthority(join(dir, 'data'), Date.now()),
      accounts: loadAccounts(accountsPath, { allowGuests: true }),
      serviceKey: 'sk',
      config,
    },
    { host: '127.0.0.1', port: 0 },
  );
  const events$ = new Subject<{ event: string; url?: string }>();
  const serverSubscription = server$.subscribe(events$);
  const { url } = await first(events$, (e) => e.event === 'listening');
  const keys = generateRsaKeyPair();
  const agent = (hostId: string, role: 'p2p' | 'vps') =>
    hostAgent$({
      coordinatorUrl: url ?? '',
      hostId,
      role,
      url: `ws://127.0.0.1:1/${hostId}`,
      maps: role === 'p2p' ? [`map-${hostId}`] : [],
      capacity: 100,
      credentials: role === 'vps' ? { serviceKey: 'sk' } : { account: 'hoster', password: 'pw' },
      keys,
      heartbeatIntervalMs: 1000,
      reconnectDelayMs: 1000,
      maxReconnectDelayMs: 1000,
    });
  const vpsEvents = new Subject<{ type: string }>();
  const vps = agent('vps-1', 'vps').subscribe(vpsEvents);
  await first(vpsEvents, (e) => e.type === 'registered');

  const timings: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const hostId = `host-${round}`;
    const hostEvents = new Subject<{ type: string }>();
    const host = agent(hostId, 'p2p').subscribe(hostEvents);
    await first(hostEvents, (e) => e.type === 'registered');
    const players = Array.from({ length: PLAYERS }, (_, n) => {
      const maps = new Subject<string>();
      const playerEvents = new Subject<{ type: string }>();
      const subscription = playerAgent$(
        {
          coordinatorUrl: url ?? '',
          player: `p${round}-${n}`,
          reconnectDelayMs: 1000,
          maxReconnectDelayMs: 1000,
        },
        maps,
      ).subscribe(playerEvents);
      const assigned = first(playerEvents, (e) => e.type === 'assigned');
      const moved = first(playerEvents, (e) => e.type === 'map.moved');
      maps.next(`map-${hostId}`);
      return { subscription, assigned, moved };
    });
    await Promise.all(players.map((p) => p.assigned));
    const start = performance.now();
    host.unsubscribe(); // the host's control socket closes
    await Promise.all(players.map((p) => p.moved));
    timings.push(performance.now() - start);
    players.forEach((p) => p.subscription.unsubscribe());
  }
  vps.unsubscribe();
  serverSubscription.unsubscribe();
  rmSync(dir, { recursive: true, force: true });

  const sorted = [...timings].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const max = sorted[sorted.length - 1] ?? 0;
  console.log(`map move, socket close → ${PLAYERS} clients pushed (ms), ${ROUNDS} rounds:`);
  console.log(`  ${timings.map((t) => t.toFixed(1)).join('  ')}`);
  console.log(`  p50 ${p50.toFixed(1)} ms   max ${max.toFixed(1)} ms   (target ≤ 100 ms)`);
  return {
    bench: 'coordinator',
    players: PLAYERS,
    rounds: ROUNDS,
    moveP50Ms: Number(p50.toFixed(1)),
    moveMaxMs: Number(max.toFixed(1)),
  };
};
