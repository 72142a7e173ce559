/** Gives a slot back; a second call does nothing. */
export type Release = () => void;

/**
 * How many connections a host or VPS holds before they are established, and from where (issue 17). A connection
 * takes a slot in its HTTP stage (TCP accepted, its WebSocket upgrade not in yet), gives it back at the upgrade and
 * takes one in its handshake stage, and gives that back once established or closed. Each stage allows
 * `perAddress` from one address (`MaxPendingHandshakes`); both together `total` from every address
 * (`MaxHandshakeSlots`): players already playing hold no slot, so no flood of new connections can touch them.
 */
export interface Admission {
  /** A slot for a connection in its HTTP stage; null: refuse it. */
  readonly http: (address: string) => Release | null;
  /** A slot for a connection in its handshake; null: refuse it. */
  readonly handshake: (address: string) => Release | null;
}

export interface AdmissionConfig {
  readonly perAddress: number;
  readonly total: number;
}

export const createAdmission = (config: AdmissionConfig): Admission => {
  let taken = 0;
  const stage = () => {
    const byAddress = new Map<string, number>();
    return (address: string): Release | null => {
      const held = byAddress.get(address) ?? 0;
      if (held >= config.perAddress || taken >= config.total) return null;
      byAddress.set(address, held + 1);
      taken += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        taken -= 1;
        const left = (byAddress.get(address) ?? 1) - 1;
        // Addresses with nothing held are forgotten: the map never grows with every address ever seen.
        if (left > 0) byAddress.set(address, left);
        else byAddress.delete(address);
      };
    };
  };
  return { http: stage(), handshake: stage() };
};
