import { BACKBONES } from '@fer/contracts';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listBackbones } from './backbone.registry';

describe('backbone registry', () => {
  it('should register a loader for every backbone of the contracts catalogue when listing them', () => {
    assert.deepEqual(
      listBackbones().map((b) => b.name),
      BACKBONES.map((b) => b.name),
    );
  });
});
