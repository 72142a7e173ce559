/**
 * `warp-p2p/operators`: every public operator, for pipelines of one's own and their marble tests. Each takes a
 * `<Name>Config`; the timed ones take an optional `scheduler` and otherwise use rxjs's `asyncScheduler`, which a
 * `TestScheduler.run()` of the application's rxjs (a peer dependency, so the same copy) drives in virtual time.
 *
 * @example
 * import { TestScheduler } from 'rxjs/testing';
 * import { retryBackoff } from 'warp-p2p/operators';
 *
 * new TestScheduler((a, b) => assert.deepEqual(a, b)).run(({ cold, expectObservable }) => {
 *   const source = cold('-#');
 *   expectObservable(source.pipe(retryBackoff({ count: 1, delayMs: 3 }))).toBe('-----#');
 * });
 *
 * @packageDocumentation
 */

export { mapEither } from './map-either.js';
export { type DecodeFrameConfig, decodeFrame } from './decode-frame.js';
export { type DecryptConfig, decrypt } from './decrypt.js';
export { type VerifyReplayConfig, verifyReplay } from './verify-replay.js';
export { type DecompressConfig, decompress } from './decompress.js';
export { type DecodeMessagesConfig, decodeMessages } from './decode-messages.js';
export { type BatchPacketsConfig, type Batcher, batchPackets, createBatcher } from './batch-packets.js';
export { type EncodeBatchConfig, encodeBatch } from './encode-batch.js';
export { type CompressConfig, compress } from './compress.js';
export { type EncryptConfig, encrypt } from './encrypt.js';
export { type RetryBackoffConfig, retryBackoff } from './retry-backoff.js';
export { type FailoverCause, type FailoverConfig, failover } from './failover.js';
export { type HeartbeatTimeoutConfig, heartbeatTimeout } from './heartbeat-timeout.js';
export { type RotateKeysConfig, rotateKeys } from './rotate-keys.js';
export { type KeyRingConfig, keyRing } from './key-ring.js';
export { type RejectionBudgetConfig, rejectionBudget } from './rejection-budget.js';
export { type DeadlineConfig, deadline } from './deadline.js';
export { type TickClockConfig, tickClock } from './tick-clock.js';
export { type RateBudgetConfig, createRateBudget, rateBudget } from './rate-budget.js';
