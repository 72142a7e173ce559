// A game's TypeScript, compiled by the consumer spec with `tsc --strict --module nodenext` against the installed
// package alone: its .d.ts files and the @types it depends on, nothing the game installed itself.
import {
  type ClientEvent,
  type Config,
  type ConnectionStatus,
  ERROR_CODES,
  type ErrorCode,
  P2PConnectionState,
  P2PError,
  createP2PClient,
  defaultConfig,
  describeStatus,
  loadConfig,
} from 'warp-p2p';
import { type RetryBackoffConfig, retryBackoff } from 'warp-p2p/operators';
import { hostRole$ } from 'warp-p2p/host';
import { coordinatorServer$ } from 'warp-p2p/coordinator';
import { clientSession } from 'warp-p2p/session';
import { replayRecording } from 'warp-p2p/replay';
import { wsConnector } from 'warp-p2p/client';
import type { Observable } from 'rxjs';

const loaded = loadConfig({ path: 'p2p.ini' });
const config: Config = loaded._tag === 'Right' ? loaded.right : defaultConfig;
const client = createP2PClient({ coordinatorUrl: 'ws://127.0.0.1:7000', player: 'ada', config });
const state$: Observable<ConnectionStatus> = client.state$;
state$.subscribe((status) => {
  const connected: boolean = status.state === P2PConnectionState.CONNECTED;
  console.log(describeStatus(status), connected);
});
client.events$.subscribe((event: ClientEvent) => console.log(event.type));

const code: ErrorCode = 'ERR_CONFIG_PARSE';
console.log(ERROR_CODES[code].category, new P2PError(code, 'bad line') instanceof Error);

const retry: RetryBackoffConfig<ConnectionStatus> = { count: 3, delayMs: 1000 };
client.state$.pipe(retryBackoff(retry));

// @ts-expect-error: a config missing delayMs does not type-check (the types are real, not `any`).
retryBackoff({ count: 3 });

console.log(
  typeof hostRole$,
  typeof coordinatorServer$,
  typeof clientSession,
  typeof replayRecording,
  typeof wsConnector,
);
