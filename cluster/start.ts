/**
 * `npm run cluster`: the local cluster (cluster/cluster.ts) in the foreground.
 * Prints its addresses; Ctrl-C stops every part and removes its temporary folders.
 * Ports: nginx CLUSTER_PORT (3150), Redis +1, Mosquitto +2, API instances +3, +4;
 * PostgreSQL primary 5433, replica 5434.
 */
import { clusterMissing, startCluster } from './cluster.ts';

const missing = clusterMissing();
if (missing) {
  console.error(`cluster: cannot start: ${missing}`);
  process.exit(1);
}
const basePort = Number(process.env.CLUSTER_PORT ?? 3150);
const cluster = await startCluster({ basePort, instances: Number(process.env.CLUSTER_INSTANCES ?? 2), log: (l) => console.log(l) });
console.log(`
geoportal cluster is up
  balancer (nginx)   ${cluster.balancerUrl}
${cluster.instances.map((i) => `  API instance ${i.index + 1}     ${i.url}   (log ${i.logFile})`).join('\n')}
  PostgreSQL primary ${cluster.pg.primaryUrl}   (DATABASE_URL)
  PostgreSQL replica ${cluster.pg.replicaUrl}   (DATABASE_READ_URL)
  Redis              ${cluster.redisUrl}
  Mosquitto          ${cluster.mqttUrl}
Ctrl-C stops everything.`);
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  console.log('cluster: stopping …');
  cluster.stop().finally(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
