-- CreateEnum
CREATE TYPE "OverlapPolicy" AS ENUM ('skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all');

-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "scheduleId" TEXT,
ADD COLUMN     "scheduledFor" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Schedule" (
    "id" TEXT NOT NULL,
    "pipelineId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "cron" TEXT,
    "every" TEXT,
    "timezone" TEXT NOT NULL,
    "overlap" "OverlapPolicy" NOT NULL,
    "catchupWindow" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "note" TEXT NOT NULL DEFAULT '',
    "temporalScheduleId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Schedule_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Schedule_temporalScheduleId_key" ON "Schedule"("temporalScheduleId");

-- CreateIndex
CREATE UNIQUE INDEX "Schedule_pipelineId_name_key" ON "Schedule"("pipelineId", "name");

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_pipelineId_fkey" FOREIGN KEY ("pipelineId") REFERENCES "Pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;
