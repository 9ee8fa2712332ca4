-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'partially_failed', 'cancelled');

-- CreateEnum
CREATE TYPE "RunTrigger" AS ENUM ('manual', 'api', 'schedule', 'backfill', 'retry');

-- CreateEnum
CREATE TYPE "ItemStatus" AS ENUM ('pending', 'running', 'succeeded', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "StepStatus" AS ENUM ('running', 'succeeded', 'retrying', 'failed', 'cancelled', 'lost');

-- CreateEnum
CREATE TYPE "EmbeddingKind" AS ENUM ('image', 'text');

-- CreateTable
CREATE TABLE "Pipeline" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "latestVersion" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Pipeline_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PipelineVersion" (
    "id" TEXT NOT NULL,
    "pipelineId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "spec" JSONB NOT NULL,
    "specHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PipelineVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL,
    "pipelineId" TEXT NOT NULL,
    "pipelineVersionId" TEXT NOT NULL,
    "trigger" "RunTrigger" NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "status" "RunStatus" NOT NULL DEFAULT 'queued',
    "workflowId" TEXT NOT NULL,
    "itemsTotal" INTEGER NOT NULL DEFAULT 0,
    "itemsSucceeded" INTEGER NOT NULL DEFAULT 0,
    "itemsFailed" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ItemRun" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "status" "ItemStatus" NOT NULL DEFAULT 'pending',
    "error" TEXT,
    "startedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "ItemRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StepRun" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "itemKey" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "queue" TEXT NOT NULL,
    "status" "StepStatus" NOT NULL,
    "error" TEXT,
    "log" TEXT NOT NULL DEFAULT '',
    "logTruncated" BOOLEAN NOT NULL DEFAULT false,
    "worker" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "StepRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cafe" (
    "id" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "dong" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL DEFAULT '',
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Cafe_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CafeImage" (
    "id" TEXT NOT NULL,
    "cafeId" TEXT NOT NULL,
    "rank" INTEGER NOT NULL,
    "uri" TEXT NOT NULL,
    "sourceUrl" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,

    CONSTRAINT "CafeImage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImageDescription" (
    "id" TEXT NOT NULL,
    "cafeImageId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,

    CONSTRAINT "ImageDescription_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReviewSummary" (
    "id" TEXT NOT NULL,
    "cafeId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "reviewCount" INTEGER NOT NULL,
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,

    CONSTRAINT "ReviewSummary_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Embedding" (
    "id" TEXT NOT NULL,
    "cafeId" TEXT NOT NULL,
    "kind" "EmbeddingKind" NOT NULL,
    "sourceRank" INTEGER NOT NULL,
    "dim" INTEGER NOT NULL,
    "vector" REAL[],
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,

    CONSTRAINT "Embedding_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Pipeline_slug_key" ON "Pipeline"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "PipelineVersion_pipelineId_version_key" ON "PipelineVersion"("pipelineId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Run_workflowId_key" ON "Run"("workflowId");

-- CreateIndex
CREATE INDEX "Run_pipelineId_createdAt_idx" ON "Run"("pipelineId", "createdAt");

-- CreateIndex
CREATE INDEX "ItemRun_runId_status_idx" ON "ItemRun"("runId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "ItemRun_runId_key_key" ON "ItemRun"("runId", "key");

-- CreateIndex
CREATE UNIQUE INDEX "ItemRun_runId_ordinal_key" ON "ItemRun"("runId", "ordinal");

-- CreateIndex
CREATE INDEX "StepRun_runId_stepId_idx" ON "StepRun"("runId", "stepId");

-- CreateIndex
CREATE UNIQUE INDEX "StepRun_runId_itemKey_stepId_attempt_key" ON "StepRun"("runId", "itemKey", "stepId", "attempt");

-- CreateIndex
CREATE UNIQUE INDEX "Cafe_externalId_key" ON "Cafe"("externalId");

-- CreateIndex
CREATE INDEX "Cafe_dong_idx" ON "Cafe"("dong");

-- CreateIndex
CREATE INDEX "Cafe_updatedAt_idx" ON "Cafe"("updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "CafeImage_cafeId_rank_key" ON "CafeImage"("cafeId", "rank");

-- CreateIndex
CREATE UNIQUE INDEX "ImageDescription_cafeImageId_key" ON "ImageDescription"("cafeImageId");

-- CreateIndex
CREATE UNIQUE INDEX "ReviewSummary_cafeId_key" ON "ReviewSummary"("cafeId");

-- CreateIndex
CREATE UNIQUE INDEX "Embedding_cafeId_kind_sourceRank_key" ON "Embedding"("cafeId", "kind", "sourceRank");

-- AddForeignKey
ALTER TABLE "PipelineVersion" ADD CONSTRAINT "PipelineVersion_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_pipelineVersionId_fkey" FOREIGN KEY ("pipelineVersionId") REFERENCES "PipelineVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ItemRun" ADD CONSTRAINT "ItemRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StepRun" ADD CONSTRAINT "StepRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CafeImage" ADD CONSTRAINT "CafeImage_cafeId_fkey" FOREIGN KEY ("cafeId") REFERENCES "Cafe"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImageDescription" ADD CONSTRAINT "ImageDescription_cafeImageId_fkey" FOREIGN KEY ("cafeImageId") REFERENCES "CafeImage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReviewSummary" ADD CONSTRAINT "ReviewSummary_cafeId_fkey" FOREIGN KEY ("cafeId") REFERENCES "Cafe"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Embedding" ADD CONSTRAINT "Embedding_cafeId_fkey" FOREIGN KEY ("cafeId") REFERENCES "Cafe"("id") ON DELETE CASCADE ON UPDATE CASCADE;
