import { channelDemo$ } from '../../streams/demo/channel-demo.js';

/** `warp-p2p demo`: what `npm start` runs. */
export const demoCommand = (): Promise<void> =>
  new Promise((resolve, reject) => {
    channelDemo$().subscribe({
      next: (line) => console.log(`[P2P] ${line}`),
      error: reject,
      complete: resolve,
    });
  });
