-- DropIndex
DROP INDEX "FeatureCacheEntry_datasetId_backbone_key";

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "frozenEngine" TEXT;

-- AlterTable
ALTER TABLE "FeatureCacheEntry" ADD COLUMN     "engine" TEXT NOT NULL DEFAULT 'tfjs';

-- CreateIndex
CREATE UNIQUE INDEX "FeatureCacheEntry_datasetId_backbone_engine_key" ON "FeatureCacheEntry"("datasetId", "backbone", "engine");

