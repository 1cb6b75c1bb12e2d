-- Data migration, no schema change: a sweep's stored base config is read with today's schema (the run page diffs each
-- run against it), so it takes the same renames as the configs (20261129113134_method_renames):
--   finetune + maskNet resnet18 -> erm, finetune otherwise -> mlp-probe;
--   cafe + mlp mask net stored before the final-ReLU switch -> maskNetFinalRelu: false (the net its runs trained).
-- The submitted spec (Sweep.spec) stays the record of the request.

UPDATE "Sweep"
   SET "baseConfig" = jsonb_set("baseConfig", '{method}',
         to_jsonb(CASE WHEN "baseConfig"->>'maskNet' = 'resnet18' THEN 'erm' ELSE 'mlp-probe' END))
 WHERE "baseConfig"->>'method' = 'finetune';

UPDATE "Sweep"
   SET "baseConfig" = "baseConfig" || '{"maskNetFinalRelu": false}'::jsonb
 WHERE COALESCE("baseConfig"->>'method', 'cafe') = 'cafe'
   AND COALESCE("baseConfig"->>'maskNet', 'mlp') = 'mlp'
   AND COALESCE("baseConfig"->>'useMask', 'true') = 'true'
   AND NOT ("baseConfig" ? 'maskNetFinalRelu');
