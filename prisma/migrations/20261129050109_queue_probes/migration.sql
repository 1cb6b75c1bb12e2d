-- CreateTable
CREATE TABLE "QueueProbe" (
    "id" TEXT NOT NULL,
    "batchId" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL,
    "enqueuedAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "workerId" TEXT,

    CONSTRAINT "QueueProbe_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "QueueProbe_batchId_idx" ON "QueueProbe"("batchId");

-- CreateIndex
CREATE INDEX "QueueProbe_requestedAt_idx" ON "QueueProbe"("requestedAt");

