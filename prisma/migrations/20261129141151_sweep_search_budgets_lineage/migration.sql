-- AlterEnum
ALTER TYPE "RunStatus" ADD VALUE 'pruned';

-- AlterTable
ALTER TABLE "Sweep" ADD COLUMN     "autoRefresh" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "maxConcurrentRuns" INTEGER,
ADD COLUMN     "maxGpuHours" DOUBLE PRECISION;

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "heldReason" TEXT,
ADD COLUMN     "replacesRunId" TEXT,
ADD COLUMN     "trial" INTEGER;

-- CreateTable
CREATE TABLE "SweepTrial" (
    "sweepId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "params" JSONB NOT NULL,
    "configId" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "observed" INTEGER NOT NULL DEFAULT 0,
    "proposedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SweepTrial_pkey" PRIMARY KEY ("sweepId","index")
);

-- CreateTable
CREATE TABLE "RungResult" (
    "sweepId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "sourceDomain" TEXT NOT NULL,
    "bracket" INTEGER NOT NULL,
    "rung" INTEGER NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "cutoff" DOUBLE PRECISION,
    "stop" BOOLEAN NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RungResult_pkey" PRIMARY KEY ("runId","rung")
);

-- CreateIndex
CREATE INDEX "RungResult_sweepId_sourceDomain_bracket_rung_idx" ON "RungResult"("sweepId", "sourceDomain", "bracket", "rung");

-- AddForeignKey
ALTER TABLE "SweepTrial" ADD CONSTRAINT "SweepTrial_sweepId_fkey" FOREIGN KEY ("sweepId") REFERENCES "Sweep"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RungResult" ADD CONSTRAINT "RungResult_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

