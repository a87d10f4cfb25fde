import { databaseOutage } from '../db-outage.ts';

/** A long one, as a network partition: for 60 s connections are accepted and nothing comes back. */
export default databaseOutage(60, 'blackhole');
