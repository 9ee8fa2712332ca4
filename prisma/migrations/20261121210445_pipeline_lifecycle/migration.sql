-- AlterTable
ALTER TABLE "Pipeline" ADD COLUMN     "deletedAt" TIMESTAMP(3),
ADD COLUMN     "disabledAt" TIMESTAMP(3);
