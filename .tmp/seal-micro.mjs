import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto';
const raw = randomBytes(32); const ko = createSecretKey(raw); const salt = randomBytes(4);
const body = Buffer.alloc(180, 3);
const N = 200000;
const bench = (label, fn) => { for (let i = 0; i < 20000; i++) fn(i); const t = process.hrtime.bigint(); for (let i = 0; i < N; i++) fn(i); console.log(label, (Number(process.hrtime.bigint() - t) / 1000 / N).toFixed(2)); };
const nonce = Buffer.alloc(12);
bench('current-like', (seq) => {
  const frame = Buffer.allocUnsafe(16 + body.length + 16);
  frame.writeUInt32BE(seq, 12);
  const n = Buffer.allocUnsafe(12); salt.copy(n, 0, 0, 4); n.writeUInt32BE(0, 4); n.writeUInt32BE(seq, 8);
  const c = createCipheriv('aes-256-gcm', raw, n);
  c.setAAD(frame.subarray(0, 16));
  const w = c.update(body); w.copy(frame, 16); const tail = c.final(); tail.copy(frame, 16 + w.length);
  c.getAuthTag().copy(frame, 16 + body.length);
});
bench('keyobject', (seq) => {
  const frame = Buffer.allocUnsafe(16 + body.length + 16);
  frame.writeUInt32BE(seq, 12);
  const n = Buffer.allocUnsafe(12); salt.copy(n, 0, 0, 4); n.writeUInt32BE(0, 4); n.writeUInt32BE(seq, 8);
  const c = createCipheriv('aes-256-gcm', ko, n);
  c.setAAD(frame.subarray(0, 16));
  const w = c.update(body); w.copy(frame, 16); c.final();
  c.getAuthTag().copy(frame, 16 + body.length);
});
bench('keyobject authTagLength', (seq) => {
  const frame = Buffer.allocUnsafe(16 + body.length + 16);
  frame.writeUInt32BE(seq, 12);
  const n = Buffer.allocUnsafe(12); salt.copy(n, 0, 0, 4); n.writeUInt32BE(0, 4); n.writeUInt32BE(seq, 8);
  const c = createCipheriv('aes-256-gcm', ko, n, { authTagLength: 16 });
  c.setAAD(frame.subarray(0, 16));
  const w = c.update(body); w.copy(frame, 16); c.final();
  c.getAuthTag().copy(frame, 16 + body.length);
});
