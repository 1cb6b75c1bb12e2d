-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "targetSplit" TEXT NOT NULL DEFAULT 'test';

-- AlterTable
ALTER TABLE "Evaluation" ADD COLUMN     "split" TEXT NOT NULL DEFAULT 'unrecorded';

-- AlterTable
ALTER TABLE "Worker" ADD COLUMN     "droppedLogLines" INTEGER NOT NULL DEFAULT 0;

