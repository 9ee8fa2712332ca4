-- Model versions carry the code that serves their weights (issue 14).
ALTER TABLE "ModelVersion" ADD COLUMN     "codeFiles" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "entrypoint" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "requirements" TEXT[] DEFAULT ARRAY[]::TEXT[];
