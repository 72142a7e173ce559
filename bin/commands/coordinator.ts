import { parseArgs } from 'node:util';
import { loadAccounts } from '../../streams/coordinator/accounts.js';
import { loadOrCreateAuthority } from '../../streams/coordinator/authority.js';
import { coordinatorServer$ } from '../../streams/coordinator/server.js';
import { createFileStore } from '../../streams/coordinator/file-store.js';
import { LOG_OPTIONS, loadConfigFile, portFlag, requireFlag, serve, serverLogger } from '../cli.js';

/** `warp-p2p coordinator --port N --data-dir DIR [--host H] [--accounts FILE] [--allow-guests] [--service-key K] [--config FILE] [--json]` */
export const coordinatorCommand = async (args: string[]): Promise<void> => {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      accounts: { type: 'string' },
      'allow-guests': { type: 'boolean', default: false },
      'service-key': { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      ...LOG_OPTIONS,
    },
  });
  const config = loadConfigFile(values.config);
  const dataDir = requireFlag(values['data-dir'], '--data-dir');
  const authority = await loadOrCreateAuthority(dataDir, Date.now());
  const events$ = coordinatorServer$(
    {
      store: createFileStore(dataDir),
      authority,
      accounts: loadAccounts(values.accounts ?? null, { allowGuests: values['allow-guests'] }),
      serviceKey: values['service-key'] ?? null,
      // A new CA means no host can come back holding a lease: the restart grace would only delay first play.
      config: authority.fresh
        ? { ...config, P2P_COORDINATOR: { ...config.P2P_COORDINATOR, RestartGraceMS: 0 } }
        : config,
    },
    { host: values.host, port: portFlag(values.port) },
  );
  await serve(events$, values.json, serverLogger(values, 'coordinator'));
};
