import { randomBytes } from 'node:crypto';
import { BehaviorSubject, Subject } from 'rxjs';
import { defaultConfig } from '../config/load-config.js';
import type { Message } from '../lib/protocol/messages.js';
import { outboundPipeline } from '../streams/session/outbound.js';
import { sessionSettings } from '../streams/session/settings.js';
import { seal } from '../lib/crypto/aead.js';

const settings = sessionSettings(defaultConfig);
const key = { epoch: 1, key: randomBytes(32), salt: randomBytes(4) };
const entities = Array.from({ length: 20 }, (_, i) => ({ id: i * 10 + 1, x: 12.5, y: 400 }));
const delta: Message = { kind: 'delta', tick: 100, baseTick: 99, lastInput: 0, hash: null, entities, removed: [] };
const clients = 1000;
const subjects = Array.from({ length: clients }, () => {
  const s = new Subject<Message>();
  s.pipe(outboundPipeline({ settings, sendKey$: new BehaviorSubject(key), onReject: () => undefined })).subscribe(() => undefined);
  return s;
});
const run = (rounds: number) => {
  const t = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const s of subjects) s.next(delta);
  return Number(process.hrtime.bigint() - t) / 1000 / (rounds * clients);
};
run(20);
console.log('pipeline µs/msg', run(100).toFixed(2));
const body = Buffer.alloc(180, 3);
const t = process.hrtime.bigint();
for (let i = 0; i < 100000; i++) seal(key, { type: 2, flags: 0, epoch: 1, seq: i }, body);
console.log('seal µs', (Number(process.hrtime.bigint() - t) / 1000 / 100000).toFixed(2));
