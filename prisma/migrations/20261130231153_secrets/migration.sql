-- CreateEnum
CREATE TYPE "SecretAction" AS ENUM ('created', 'updated', 'rotated', 'deleted', 'rekeyed');

-- CreateTable
CREATE TABLE "Secret" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "fields" JSONB NOT NULL DEFAULT '{}',
    "ciphertext" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "valueVersion" INTEGER NOT NULL DEFAULT 1,
    "createdBy" TEXT NOT NULL,
    "updatedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "rotatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Secret_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SecretAuditEvent" (
    "id" TEXT NOT NULL,
    "secretName" TEXT NOT NULL,
    "secretType" TEXT NOT NULL,
    "action" "SecretAction" NOT NULL,
    "fields" TEXT[],
    "actor" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SecretAuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Secret_name_key" ON "Secret"("name");

-- CreateIndex
CREATE INDEX "SecretAuditEvent_secretName_createdAt_idx" ON "SecretAuditEvent"("secretName", "createdAt");

-- CreateIndex
CREATE INDEX "SecretAuditEvent_createdAt_idx" ON "SecretAuditEvent"("createdAt");
