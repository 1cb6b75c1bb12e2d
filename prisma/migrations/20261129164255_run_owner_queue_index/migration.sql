-- CreateIndex
CREATE INDEX "Run_status_createdById_idx" ON "Run"("status", "createdById");

