-- AlterEnum
ALTER TYPE "RunTrigger" ADD VALUE 'dev';
