import { databaseOutage } from '../db-outage.ts';

/** A short outage, as when PostgreSQL restarts: connections are refused for 8 s. */
export default databaseOutage(8, 'refuse');
