import { type Proc, start } from './bench-process.js';

/**
 * `npm run bench -- abuse` (issue 17): a host process pinned to core 0 with the shipped limits, 100 playing bots
 * and an attacker on core 1. Per attack: the bots' update rate and the host's tick lateness p99 over a window
 * before it and over the same window during it (the window starts a second into the attack), what the host
 * answered (codes, connections it cut) and whether it is still up. Target: every attack held (the host up and the
 * attack answered: a coded error, or its connections closed), the bots' rate ≥ 0.9 of before, tick p99 < 10 ms.
 */
const CLIENTS = 100;
const WINDOW_MS = 5000;
const ATTACK_MS = WINDOW_MS + 2000;
const INTO_ATTACK_MS = 1000;
const SETTLE_MS = 3000;
const SECRETS = '/tmp/warp-bench-abuse-secrets.json';
const RATE_TARGET = 0.9;
const TICK_P99_TARGET_MS = 10;

/** What the host must have done for the attack to count as answered. */
type Answer = 'coded' | 'closed' | 'served';

interface Attack {
  readonly name: string;
  readonly label: string;
  readonly answer: Answer;
}

const ATTACKS: readonly Attack[] = [
  { name: 'pingFlood', label: 'pings, 256 a frame, flat out', answer: 'coded' },
  { name: 'inputFlood', label: 'inputs, 256 a frame, flat out', answer: 'coded' },
  { name: 'resyncFlood', label: 'resync requests, 64 a frame', answer: 'coded' },
  { name: 'rekeyFlood', label: 'rekeys with fresh key shares', answer: 'coded' },
  { name: 'deflateBomb', label: 'sealed frames inflating to 64 MiB', answer: 'coded' },
  { name: 'garbage', label: 'connections sending random bytes', answer: 'closed' },
  // Valid players' handshakes as fast as one process makes them: nothing to refuse, the rate must hold.
  { name: 'handshakeFlood', label: 'valid handshakes, closed at once', answer: 'served' },
  { name: 'abandonedHellos', label: 'hellos welcomed, never finished', answer: 'closed' },
  { name: 'idleSockets', label: 'WebSockets that never say hello', answer: 'closed' },
  { name: 'stalledUpgrades', label: 'HTTP upgrades dripping a byte a second', answer: 'closed' },
];

interface Window {
  readonly received: number;
  readonly tickP99: number;
}

const measure = async (host: Proc, bots: Proc): Promise<Window> => {
  host.send(`measure ${WINDOW_MS}`);
  bots.send(`measure ${WINDOW_MS}`);
  const [h, b] = await Promise.all([host.next('measured'), bots.next('measured')]);
  return { received: Number(b['received']), tickP99: Number(h['tickLatenessP99']) };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Result {
  readonly attack: Attack;
  readonly before: Window;
  readonly during: Window;
  readonly ratio: number;
  readonly up: boolean;
  readonly answered: boolean;
  readonly held: boolean;
  readonly sent: number;
  readonly cut: number;
  readonly codes: Readonly<Record<string, number>>;
}

const answeredAs = (answer: Answer, cut: number, codes: Readonly<Record<string, number>>, sent: number) => {
  if (answer === 'coded') return Object.keys(codes).length > 0;
  if (answer === 'closed') return cut > 0;
  return sent > 0;
};

const runAttack = async (host: Proc, bots: Proc, attacker: Proc, attack: Attack): Promise<Result> => {
  const before = await measure(host, bots);
  attacker.send(`attack ${attack.name} ${ATTACK_MS}`);
  await sleep(INTO_ATTACK_MS);
  const during = await measure(host, bots);
  const outcome = await attacker.next('attacked', ATTACK_MS + 60_000);
  const codes = outcome['codes'] as Record<string, number>;
  const sent = Number(outcome['sent']);
  const cut = Number(outcome['cut']);
  await sleep(SETTLE_MS);
  const up = host.running();
  const answered = answeredAs(attack.answer, cut, codes, sent);
  const ratio = before.received === 0 ? 0 : during.received / before.received;
  const held = up && answered && ratio >= RATE_TARGET && during.tickP99 < TICK_P99_TARGET_MS;
  return { attack, before, during, ratio, up, answered, held, sent, cut, codes };
};

const row = (cells: readonly string[]) =>
  cells.map((cell, n) => cell.padEnd([18, 40, 16, 20, 8, 7, 6][n] ?? 0)).join(' ');

export const runAbuseBench = async (): Promise<Record<string, number | string>> => {
  const host = start(0, './host-process.ts', ['warp', SECRETS], { WARP_BENCH_SHIPPED_LIMITS: '1' });
  let bots: Proc | null = null;
  let attacker: Proc | null = null;
  const results: Result[] = [];
  try {
    const { url } = (await host.next('listening')) as { url: string };
    bots = start(1, './bot-process.ts', ['warp', url, String(CLIENTS), SECRETS]);
    await bots.next('ready', 120_000);
    attacker = start(1, './attacker-process.ts', [url, SECRETS]);
    await attacker.next('ready');
    console.log(
      `abuse: ${CLIENTS} playing bots on one host; windows of ${WINDOW_MS / 1000} s before and during`,
    );
    console.log(row(['attack', 'what', 'updates/s', 'tick p99', 'ratio', 'up', 'held']));
    for (const attack of ATTACKS) {
      if (!host.running()) break;
      const r = await runAttack(host, bots, attacker, attack);
      results.push(r);
      const perSecond = (w: Window) => Math.round(w.received / (WINDOW_MS / 1000));
      console.log(
        row([
          attack.name,
          attack.label,
          `${perSecond(r.before)} → ${perSecond(r.during)}`,
          `${r.before.tickP99.toFixed(1)} → ${r.during.tickP99.toFixed(1)} ms`,
          r.ratio.toFixed(2),
          r.up ? 'yes' : 'NO',
          r.held ? 'yes' : 'NO',
        ]),
      );
      console.log(
        `  sent ${r.sent}, cut ${r.cut}, answered: ${JSON.stringify(r.codes)}` +
          (r.answered ? '' : ` (expected the host to have ${attack.answer} it)`),
      );
    }
  } finally {
    attacker?.send('exit');
    await Promise.all([host.stop(), bots?.stop(), attacker?.stop()]);
  }
  const held = results.filter((r) => r.held).length;
  const worstRatio = Math.min(...results.map((r) => r.ratio));
  const worstTick = Math.max(...results.map((r) => r.during.tickP99));
  console.log(
    `targets: every attack held (held ${held}/${ATTACKS.length}), rate ≥ ${RATE_TARGET} of before ` +
      `(worst ${worstRatio.toFixed(2)}), tick p99 < ${TICK_P99_TARGET_MS} ms (worst ${worstTick.toFixed(1)} ms)`,
  );
  return {
    bench: 'abuse',
    attacks: ATTACKS.length,
    held,
    worstRateRatio: Number(worstRatio.toFixed(3)),
    worstTickP99Ms: Number(worstTick.toFixed(2)),
    ...Object.fromEntries(results.map((r) => [`${r.attack.name}Ratio`, Number(r.ratio.toFixed(3))])),
  };
};
