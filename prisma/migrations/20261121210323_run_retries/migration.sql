-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "retries" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "retryWorkflowId" TEXT;
