/*
  Warnings:

  - You are about to drop the `Cafe` table. If the table is not empty, all the data it contains will be lost.
  - You are about to drop the `CafeImage` table. If the table is not empty, all the data it contains will be lost.
  - You are about to drop the `Embedding` table. If the table is not empty, all the data it contains will be lost.
  - You are about to drop the `ImageDescription` table. If the table is not empty, all the data it contains will be lost.
  - You are about to drop the `ReviewSummary` table. If the table is not empty, all the data it contains will be lost.

*/
-- DropForeignKey
ALTER TABLE "CafeImage" DROP CONSTRAINT "CafeImage_cafeId_fkey";

-- DropForeignKey
ALTER TABLE "Embedding" DROP CONSTRAINT "Embedding_cafeId_fkey";

-- DropForeignKey
ALTER TABLE "ImageDescription" DROP CONSTRAINT "ImageDescription_cafeImageId_fkey";

-- DropForeignKey
ALTER TABLE "ReviewSummary" DROP CONSTRAINT "ReviewSummary_cafeId_fkey";

-- DropTable
DROP TABLE "Cafe";

-- DropTable
DROP TABLE "CafeImage";

-- DropTable
DROP TABLE "Embedding";

-- DropTable
DROP TABLE "ImageDescription";

-- DropTable
DROP TABLE "ReviewSummary";

-- DropEnum
DROP TYPE "EmbeddingKind";
