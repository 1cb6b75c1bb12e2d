import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectBackend } from './backend';

describe('selectBackend', () => {
  it('should fall back past the absent native bindings to wasm when nothing is forced', async () => {
    const selection = await selectBackend();
    assert.ok(['tensorflow', 'wasm'].includes(selection.backend), selection.backend);
    assert.ok(selection.device.length > 0);
  });

  it('should allow wasm when conv gradients are needed because conv2d.op avoids Conv2DBackpropFilter', async () => {
    const selection = await selectBackend({ needsConvGradients: true });
    assert.ok(['tensorflow', 'wasm'].includes(selection.backend), selection.backend);
    assert.equal((await selectBackend({ needsConvGradients: true, override: 'wasm' })).backend, 'wasm');
  });

  it('should honour an override and reject an unknown name', async () => {
    assert.equal((await selectBackend({ override: 'cpu' })).backend, 'cpu');
    await assert.rejects(selectBackend({ override: 'webgpu' }), /unknown TF.js backend "webgpu"/);
  });
});
