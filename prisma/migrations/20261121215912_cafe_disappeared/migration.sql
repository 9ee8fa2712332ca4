-- AlterTable
ALTER TABLE "Cafe" ADD COLUMN     "disappearedAt" TIMESTAMP(3);
