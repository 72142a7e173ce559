import { expect } from 'chai';
import { VirtualTimeScheduler } from 'rxjs';
import { createPlayerHandshakes } from '../../../streams/host/player-handshakes.js';

describe('createPlayerHandshakes', () => {
  const takes = (take: (player: string) => boolean, player: string, n: number) =>
    Array.from({ length: n }, () => take(player)).filter(Boolean).length;

  it('should let a burst of perSecond through per player, refuse the rest, and refill over a second', () => {
    const scheduler = new VirtualTimeScheduler();
    const take = createPlayerHandshakes({ perSecond: 4, scheduler });
    expect(takes(take, 'mallory', 10)).to.equal(4);
    expect(takes(take, 'ann', 10)).to.equal(4);
    scheduler.frame = 500;
    expect(takes(take, 'mallory', 10)).to.equal(2);
    scheduler.frame = 2000;
    expect(takes(take, 'mallory', 10)).to.equal(4);
  });
});
