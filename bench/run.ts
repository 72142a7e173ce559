import { runAbuseBench } from './abuse.js';
import { runChaosBench } from './chaos.js';
import { runCoordinatorBench } from './coordinator.js';
import { runHostBench } from './host.js';
import { runFailoverBench } from './failover.js';
import { runPipelineBench } from './pipeline.js';
import { runSessionBench } from './session.js';

/** `npm run bench -- NAME`: runs one benchmark, prints its table, and ends with one JSON line of figures. */
type Figures = Record<string, number | string>;
const BENCHES: Readonly<Record<string, () => Figures | Promise<Figures>>> = {
  pipeline: runPipelineBench,
  coordinator: runCoordinatorBench,
  host: runHostBench,
  session: runSessionBench,
  failover: runFailoverBench,
  chaos: runChaosBench,
  abuse: runAbuseBench,
};

const names = process.argv.slice(2);
const chosen = names.length === 0 ? Object.keys(BENCHES) : names;
for (const name of chosen) {
  const bench = BENCHES[name];
  if (bench === undefined) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  console.log(JSON.stringify(await bench()));
}
