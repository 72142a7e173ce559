import { loadAccounts } from '../../streams/coordinator/accounts.js';
import { loadOrCreateAuthority } from '../../streams/coordinator/authority.js';
import { coordinatorServer$ } from '../../streams/coordinator/server.js';
import { createFileStore } from '../../streams/coordinator/file-store.js';
import { loadConfigFile, serve, serverLogger } from '../cli.js';
import { type StoredServiceKey, loadOrCreateServiceKey } from '../service-key.js';

/** `warp-p2p coordinator` flags, parsed (bin/program.ts). */
export interface CoordinatorOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly accounts?: string;
  readonly allowGuests?: true;
  readonly serviceKey?: string;
  readonly config?: string;
  readonly json?: true;
  readonly logLevel: string;
  readonly logFile?: string;
}

/** Tells where the VPS finds the key the coordinator made or kept (the key itself is never printed). */
const announceServiceKey = (stored: StoredServiceKey, json: boolean): void => {
  if (json)
    console.log(
      JSON.stringify({
        event: stored.created ? 'service-key.created' : 'service-key.loaded',
        file: stored.file,
      }),
    );
  else
    console.log(
      `[P2P] service key ${stored.created ? 'created in' : 'read from'} ${stored.file} (no --service-key given): ` +
        `start the VPS with --service-key-file ${stored.file}, or --service-key "$(cat ${stored.file})"`,
    );
};

/**
 * `warp-p2p coordinator --port N --data-dir DIR [--host H] [--accounts FILE] [--allow-guests] [--service-key K]`:
 * runs until a signal. Without --service-key the VPS's key is DATA-DIR/service-key, made on first start. Rejects
 * with ERR_ACCOUNTS_FILE, ERR_CONFIG_*, ERR_SERVICE_KEY_FILE or ERR_PORT_IN_USE.
 */
export const coordinatorCommand = async (options: CoordinatorOptions): Promise<void> => {
  const config = loadConfigFile(options.config);
  const json = options.json === true;
  const accounts = loadAccounts(options.accounts ?? null, { allowGuests: options.allowGuests === true });
  const stored = options.serviceKey === undefined ? loadOrCreateServiceKey(options.dataDir) : null;
  const authority = await loadOrCreateAuthority(options.dataDir, Date.now());
  if (stored !== null) announceServiceKey(stored, json);
  const events$ = coordinatorServer$(
    {
      store: createFileStore(options.dataDir),
      authority,
      accounts,
      serviceKey: options.serviceKey ?? stored?.key ?? null,
      // A new CA means no host can come back holding a lease: the restart grace would only delay first play.
      config: authority.fresh
        ? { ...config, P2P_COORDINATOR: { ...config.P2P_COORDINATOR, RestartGraceMS: 0 } }
        : config,
    },
    { host: options.host, port: options.port },
  );
  await serve(events$, json, serverLogger(options, 'coordinator'));
};
