-- The cafe results the recommendation backend reads: each cafe of a dong with its representative images, their
-- descriptions, its review summary and its embeddings. Every row names the run and step that wrote it and, for
-- model outputs, the model version ("name@version"). Times have millisecond precision (the API's cursors do).

CREATE TABLE cafe (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  external_id text NOT NULL UNIQUE,
  dong text NOT NULL,
  name text NOT NULL,
  address text NOT NULL DEFAULT '',
  run_id text NOT NULL,
  step_id text NOT NULL,
  -- set by the publish cell when a later run that processed this cafe's dong no longer found it
  disappeared_at timestamptz(3),
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX cafe_dong ON cafe (dong);
CREATE INDEX cafe_changes ON cafe (updated_at, id);

-- a representative image chosen for a cafe
CREATE TABLE cafe_image (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  cafe_id uuid NOT NULL REFERENCES cafe (id) ON DELETE CASCADE,
  rank integer NOT NULL,
  uri text NOT NULL,
  source_url text NOT NULL,
  score double precision NOT NULL,
  run_id text NOT NULL,
  step_id text NOT NULL,
  model text,
  UNIQUE (cafe_id, rank)
);

CREATE TABLE image_description (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  cafe_image_id uuid NOT NULL UNIQUE REFERENCES cafe_image (id) ON DELETE CASCADE,
  text text NOT NULL,
  run_id text NOT NULL,
  step_id text NOT NULL,
  model text
);

CREATE TABLE review_summary (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  cafe_id uuid NOT NULL UNIQUE REFERENCES cafe (id) ON DELETE CASCADE,
  text text NOT NULL,
  review_count integer NOT NULL,
  run_id text NOT NULL,
  step_id text NOT NULL,
  model text
);

CREATE TABLE embedding (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  cafe_id uuid NOT NULL REFERENCES cafe (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('image', 'text')),
  -- for image embeddings, the representative image's rank; 0 for the cafe's text
  source_rank integer NOT NULL,
  dim integer NOT NULL,
  vector real[] NOT NULL,
  run_id text NOT NULL,
  step_id text NOT NULL,
  model text,
  UNIQUE (cafe_id, kind, source_rank)
);

-- the run that last loaded each dong: the publish cell marks what that run no longer found
CREATE TABLE dong_load (
  dong text PRIMARY KEY,
  run_id text NOT NULL,
  step_id text NOT NULL,
  cafes integer NOT NULL,
  loaded_at timestamptz(3) NOT NULL DEFAULT now()
);
