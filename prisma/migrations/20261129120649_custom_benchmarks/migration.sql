-- AlterTable
ALTER TABLE "Benchmark" ADD COLUMN     "archivedAt" TIMESTAMP(3),
ADD COLUMN     "builtIn" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "createdById" TEXT;


-- The two benchmarks the platform ships (upserted at every boot) were the only ones before custom benchmarks.
UPDATE "Benchmark" SET "builtIn" = true WHERE name IN ('fer5', 'synth5');
