/**
 * One ingesting instance for the kill tests (ingest-kill.test.ts): the sensor
 * service as api/server.ts starts it, configured from the environment
 * (MQTT_URL, MQTT_CLIENT_ID, MQTT_SHARE_GROUP, MQTT_TOPICS), on the PostgreSQL
 * schema CHILD_SCHEMA of CHILD_DATABASE_URL (the test's own database). Prints "ready" when subscribed.
 */
import { openDatabase } from '../../../sql/connection.ts';
import { loadSensorConfig } from '../config.ts';
import { startSensorService } from '../service.ts';

const database = await openDatabase({ databaseUrl: process.env.CHILD_DATABASE_URL!, searchPath: process.env.CHILD_SCHEMA, poolSize: 4 });
const service = await startSensorService(database, loadSensorConfig(), (m) => console.error(m));
console.log('ready');
const stop = async () => {
  await service.stop();
  await database.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
