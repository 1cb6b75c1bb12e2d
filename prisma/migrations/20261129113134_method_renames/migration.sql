-- Data migration, no schema change: the method `finetune` is renamed, and cafe's mlp mask net now ends in ReLU by
-- default. Stored configs and runs keep their meaning:
--   finetune + maskNet mlp (an MLP probe on frozen features)  -> method `mlp-probe`
--   finetune + maskNet resnet18 (ResNet-18 + FC on the image)  -> method `erm` (same parameters, same initialisation)
--   cafe + mlp mask net stored before the switch               -> maskNetFinalRelu: false (the net they trained)
-- Config ids are NOT recomputed: an id is the content hash of the body as first stored, and runs, evaluations, run ids
-- and sweeps refer to it; rehashing would orphan or rename all of them. So a migrated config keeps its id and every run
-- still points to it; a config submitted afresh under the new names hashes its new body to a new id (a new row beside
-- the old one, never a collision, since every new body also carries the fields the schema resolves today). Checkpoints
-- on disk keep `finetune` in their embedded config; the reader maps it the same way (libs/cafe model/checkpoint.ts).
-- Sweep specs are left as submitted (a record of the request); their runs' configs and params are migrated.

UPDATE "Config"
   SET body = jsonb_set(body, '{method}', to_jsonb(CASE WHEN body->>'maskNet' = 'resnet18' THEN 'erm' ELSE 'mlp-probe' END)),
       method = CASE WHEN body->>'maskNet' = 'resnet18' THEN 'erm' ELSE 'mlp-probe' END
 WHERE body->>'method' = 'finetune' OR method = 'finetune';

UPDATE "Config"
   SET body = body || '{"maskNetFinalRelu": false}'::jsonb
 WHERE COALESCE(body->>'method', 'cafe') = 'cafe'
   AND COALESCE(body->>'maskNet', 'mlp') = 'mlp'
   AND COALESCE(body->>'useMask', 'true') = 'true'
   AND NOT (body ? 'maskNetFinalRelu');

-- A sweep that varied the method records it in each run's params: name the run's (migrated) method there too.
UPDATE "Run" r
   SET params = jsonb_set(r.params, '{method}', to_jsonb(c.method))
  FROM "Config" c
 WHERE c.id = r."configId" AND r.params->>'method' = 'finetune';
