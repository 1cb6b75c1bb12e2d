-- AlterTable
ALTER TABLE "Evaluation" ADD COLUMN     "frozenEngine" TEXT;

