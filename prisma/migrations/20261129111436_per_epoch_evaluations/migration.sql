-- Evaluations are keyed by epoch: one score per run, dataset and epoch (DomainBed's per-epoch evaluation).
DROP INDEX "Evaluation_runId_datasetId_checkpoint_key";

-- A run whose source-val best was its last epoch was scored twice at that epoch (same model, same score): keep the
-- `last` row.
DELETE FROM "Evaluation" e
 USING "Evaluation" other
 WHERE e."runId" = other."runId" AND e."datasetId" = other."datasetId" AND e.epoch = other.epoch
   AND e.checkpoint = 'source-val' AND other.checkpoint = 'last';

CREATE UNIQUE INDEX "Evaluation_runId_datasetId_epoch_key" ON "Evaluation"("runId", "datasetId", "epoch");

ALTER TABLE "Run" ADD COLUMN "sourceValBestEpoch" INTEGER;

-- Backfill: the first epoch reaching the best source-val accuracy, as the trainer picks it.
UPDATE "Run" r SET "sourceValBestEpoch" = best.epoch
  FROM (SELECT DISTINCT ON ("runId") "runId", epoch FROM "EpochMetric"
         WHERE "sourceValAccuracy" IS NOT NULL
         ORDER BY "runId", "sourceValAccuracy" DESC, epoch ASC) best
 WHERE best."runId" = r.id;
