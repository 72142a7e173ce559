/** The seed's `/p2p` debug commands. */
export type DebugCommand =
  | { readonly kind: 'status' }
  | { readonly kind: 'metrics' }
  | { readonly kind: 'debug'; readonly on: boolean }
  | { readonly kind: 'reconnect' }
  | { readonly kind: 'failover' };

export const P2P_USAGE =
  'usage: /p2p status | /p2p metrics | /p2p debug on|off | /p2p reconnect | /p2p failover';

/** Reads one command line; null for anything that is not a `/p2p` command (answered with the usage). */
export const parseDebugCommand = (line: string): DebugCommand | null => {
  const [prefix, verb, arg, ...rest] = line.trim().split(/\s+/);
  if (prefix !== '/p2p' || rest.length > 0) return null;
  switch (verb) {
    case 'status':
    case 'metrics':
    case 'reconnect':
    case 'failover':
      return arg === undefined ? { kind: verb } : null;
    case 'debug':
      return arg === 'on' || arg === 'off' ? { kind: 'debug', on: arg === 'on' } : null;
    default:
      return null;
  }
};
