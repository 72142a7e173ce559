import type { World } from '../../lib/world/world.js';
import {
  type ClientEvent,
  type P2PClient,
  type P2PClientOptions,
  createP2PClient,
} from '../client/client.js';
import type { ConnectionStatus } from '../client/connection-state.js';
import type { MetricsSnapshot } from '../client/metrics.js';

/**
 * A client and what its streams last showed, plus every move it made: what the demo, the failover bench and the
 * failover spec watch. `missing()` counts moves the authoritative world does not show (0: none lost).
 */
export class TrackedClient {
  readonly client: P2PClient;
  status: ConnectionStatus | null = null;
  metrics: MetricsSnapshot | null = null;
  world: World | null = null;
  readonly events: ClientEvent[] = [];
  /** Wall-clock time of the first `restored` event. */
  restoredAt: number | null = null;
  /** Where the entity was when `markStart` was called; moves count from then. */
  start: { x: number; y: number } | null = null;
  moved = { dx: 0, dy: 0, count: 0 };

  readonly name: string;

  constructor(options: P2PClientOptions) {
    this.name = options.player;
    this.client = createP2PClient(options);
    this.client.state$.subscribe((status) => (this.status = status));
    this.client.metrics$.subscribe((metrics) => (this.metrics = metrics));
    this.client.world$.subscribe((world) => (this.world = world));
    this.client.events$.subscribe((event) => {
      this.events.push(event);
      if (event.type === 'restored') this.restoredAt ??= Date.now();
    });
  }

  entity() {
    const id = this.world?.players[this.name];
    return id === undefined ? undefined : this.world?.entities.get(id);
  }

  position(): { x: number; y: number } | null {
    const entity = this.entity();
    return entity === undefined ? null : { x: entity.x, y: entity.y };
  }

  connectedTo(kind: 'p2p' | 'vps'): boolean {
    return this.status?.state === 'CONNECTED' && this.status.server?.kind === kind;
  }

  markStart(): void {
    this.start = this.position();
    this.moved = { dx: 0, dy: 0, count: 0 };
  }

  move(dx: number, dy: number): void {
    this.moved = { dx: this.moved.dx + dx, dy: this.moved.dy + dy, count: this.moved.count + 1 };
    this.client.move(dx, dy);
  }

  missing(): number {
    const now = this.position();
    if (this.start === null) return 0;
    if (now === null) return this.moved.count;
    return Math.round(
      Math.abs(this.start.x + this.moved.dx - now.x) + Math.abs(this.start.y + this.moved.dy - now.y),
    );
  }
}
