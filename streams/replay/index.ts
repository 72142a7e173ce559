/**
 * `warp-p2p/replay`: recordings (`warp-p2p client --record`, a host's `--record`) and their replay in virtual
 * time through the client's own sync manager, to find where a desync began. What `warp-p2p replay` runs.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * import { parseRecording, replayRecording } from 'warp-p2p/replay';
 *
 * const entries = parseRecording(readFileSync('session.jsonl', 'utf8'));
 * if (entries._tag === 'Right') console.log(replayRecording(entries.right).matches);
 *
 * @packageDocumentation
 */

export {
  RECORDING_VERSION,
  type RecordEntry,
  type RecordedRules,
  formatEntry,
  parseRecording,
} from './recording.js';
export { type HashCheck, type ReplayResult, type TimelineEntry, replayRecording } from './replay.js';
export { type HostRecordSources, hostRecording$ } from './host-recorder.js';
