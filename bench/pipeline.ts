import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Subject, of } from 'rxjs';
import { defaultConfig } from '../config/load-config.js';
import type { Message } from '../lib/protocol/messages.js';
import { inboundPipeline } from '../streams/session/inbound.js';
import { outboundPipeline } from '../streams/session/outbound.js';
import { type SessionSettings, sessionSettings } from '../streams/session/settings.js';

/**
 * `npm run bench -- pipeline`: messages through the production outbound + inbound pipelines in one process,
 * against a bare node:crypto AES-256-GCM encrypt + decrypt loop over buffers of the same size.
 * Targets (issue 2): ratio256 ≥ 0.6 with PacketBatchSize=1; batched256 ≥ 250,000 messages/s.
 */
const SIZES = [64, 256, 1024, 4096] as const;
const RUN_MS = 1000;
const WARMUP_MS = 200;

/** Runs `step` (which does `per` units of work) repeatedly for `ms`, returns units per second. */
const rate = (step: () => void, per: number, ms: number): number => {
  const start = process.hrtime.bigint();
  const until = start + BigInt(ms) * 1_000_000n;
  let units = 0;
  let now = start;
  while (now < until) {
    for (let i = 0; i < 64; i++) step();
    units += 64 * per;
    now = process.hrtime.bigint();
  }
  return units / (Number(now - start) / 1e9);
};

const measure = (step: () => void, per = 1): number => {
  rate(step, per, WARMUP_MS);
  return rate(step, per, RUN_MS);
};

const bareCrypto = (size: number): number => {
  const key = randomBytes(32);
  const salt = randomBytes(4);
  const aad = randomBytes(16);
  const plaintext = randomBytes(size);
  let seq = 0;
  return measure(() => {
    const nonce = Buffer.allocUnsafe(12);
    salt.copy(nonce, 0);
    nonce.writeUInt32BE(0, 4);
    nonce.writeUInt32BE(seq++ >>> 0, 8);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(aad);
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = cipher.getAuthTag();
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    decipher.update(sealed);
    decipher.final();
  });
};

const pipeline = (size: number, batchSize: number): number => {
  const settings: SessionSettings = { ...sessionSettings(defaultConfig), batchSize, batchWindowMs: 1000 };
  const key = { epoch: 0, key: randomBytes(32), salt: randomBytes(4) };
  const messages$ = new Subject<Message>();
  let received = 0;
  let rejected = 0;
  const subscription = messages$
    .pipe(
      outboundPipeline({ settings, sendKey$: of(key), onReject: () => (rejected += 1) }),
      inboundPipeline({ settings, receiveKeys$: of([key]), onReject: () => (rejected += 1) }),
    )
    .subscribe(() => (received += 1));
  const payload = randomBytes(size);
  // One step sends a whole batch, so every step ends with the batch sealed, sent and decoded. Each message is
  // a new object, as in a game: the codec's per-message cache (for a host's shared deltas) never hits here.
  const perSecond = measure(() => {
    for (let i = 0; i < batchSize; i++) messages$.next({ kind: 'app', payload });
  }, batchSize);
  subscription.unsubscribe();
  if (rejected > 0 || received === 0) throw new Error(`pipeline lost messages: ${rejected} rejected`);
  return perSecond;
};

export const runPipelineBench = (): Record<string, number | string> => {
  const rows = SIZES.map((size) => {
    const bare = bareCrypto(size);
    const single = pipeline(size, 1);
    const batched = pipeline(size, 32);
    return { size, bare, single, batched, ratio: single / bare };
  });
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
  console.log('size     bare crypto/s   pipeline/s (batch 1)   ratio   pipeline/s (batch 32)');
  for (const r of rows) {
    console.log(
      `${String(r.size).padStart(5)} B ${fmt(r.bare)}   ${fmt(r.single)}           ${r.ratio.toFixed(2).padStart(5)}   ${fmt(r.batched)}`,
    );
  }
  const at256 = rows.find((r) => r.size === 256);
  const result: Record<string, number | string> = {
    bench: 'pipeline',
    ratio256: Number((at256?.ratio ?? 0).toFixed(3)),
    batched256: Math.round(at256?.batched ?? 0),
  };
  for (const r of rows) {
    result[`bare${r.size}`] = Math.round(r.bare);
    result[`single${r.size}`] = Math.round(r.single);
    result[`batched${r.size}`] = Math.round(r.batched);
  }
  return result;
};
