import type { Client } from 'pg';
import { CHANGE_LISTENER_NAME } from '../../src/database/change-notifications';

/** Ends the API's LISTEN connection from another session, as a restart or a network cut would. */
export async function terminateChangeListener(operator: Client): Promise<void> {
  await operator.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
    [CHANGE_LISTENER_NAME],
  );
}
