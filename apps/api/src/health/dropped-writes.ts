import { Injectable } from '@nestjs/common';

/**
 * Writes the API let go rather than fail a request over (audit rows today), counted since the process started and
 * shown at /health, so a drop is visible instead of silent.
 */
@Injectable()
export class DroppedWrites {
  auditRows = 0;
}
