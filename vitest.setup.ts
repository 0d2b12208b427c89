import fc from "fast-check";

// Every property run is replayable: fast-check prints `seed` and `path` on failure, and
// FC_SEED / FC_NUM_RUNS reproduce or deepen a run (`FC_SEED=123 npm test`).
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const seed = env.FC_SEED === undefined ? undefined : Number(env.FC_SEED);
const numRuns = env.FC_NUM_RUNS === undefined ? undefined : Number(env.FC_NUM_RUNS);
fc.configureGlobal({
  ...(seed === undefined ? {} : { seed }),
  ...(numRuns === undefined ? {} : { numRuns }),
  interruptAfterTimeLimit: 30_000,
  markInterruptAsFailure: false,
});
