-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "spec" JSONB;

-- AlterTable
ALTER TABLE "StepRun" ADD COLUMN     "displays" JSONB;

-- CreateTable
CREATE TABLE "CellSource" (
    "hash" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CellSource_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "PipelineDraft" (
    "id" TEXT NOT NULL,
    "pipelineId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "baseVersion" INTEGER NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PipelineDraft_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StepMetric" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "itemKey" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "step" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StepMetric_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PipelineDraft_pipelineId_userId_key" ON "PipelineDraft"("pipelineId", "userId");

-- CreateIndex
CREATE INDEX "StepMetric_runId_stepId_idx" ON "StepMetric"("runId", "stepId");

-- AddForeignKey
ALTER TABLE "PipelineDraft" ADD CONSTRAINT "PipelineDraft_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PipelineDraft" ADD CONSTRAINT "PipelineDraft_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StepMetric" ADD CONSTRAINT "StepMetric_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
