"""Load results: writes the dong's cafes with their representative images, descriptions, review summary and
embeddings to the team's results database (the cafe-results connection), in one transaction, replacing what an
earlier run loaded for them. Every row names the run, the cell and the model version that made it. The
recommendation backend reads the dong as soon as this cell ends."""

import json
import os

import psycopg

import brewline
from brewline import BadInput


def read(step: str, name: str) -> dict:
    try:
        return json.loads((brewline.inputs[step].dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise BadInput(f"{name} from step {step} cannot be used: {err}") from None


cafes = read("download-images", "cafes.json")
reps = read("representative-images", "representative.json")
descriptions = read("describe-images", "descriptions.json")
summaries = read("summarise-reviews", "summaries.json")
embeddings = read("embed", "embeddings.json")
if cafes.get("dong") != brewline.item:
    raise BadInput(f"cafes.json is for dong {cafes.get('dong')!r}, not {brewline.item!r}")
reps_by, descriptions_by, summary_by, embeddings_by = (
    {cafe["id"]: cafe for cafe in document["cafes"]} for document in (reps, descriptions, summaries, embeddings)
)
run = brewline.run.id
reps_dir = brewline.inputs["representative-images"].dir

with psycopg.connect(os.environ["BREWLINE_CONNECTION_URL"], connect_timeout=10) as db, db.transaction():
    for cafe in cafes["cafes"]:
        (cafe_id,) = db.execute(
            """INSERT INTO cafe (external_id, dong, name, address, run_id, step_id)
               VALUES (%s, %s, %s, %s, %s, 'download-images')
               ON CONFLICT (external_id) DO UPDATE SET dong = excluded.dong, name = excluded.name,
                 address = excluded.address, run_id = excluded.run_id, step_id = excluded.step_id,
                 disappeared_at = NULL, updated_at = now()
               RETURNING id""",
            (cafe["id"], brewline.item, cafe["name"], cafe.get("address", ""), run),
        ).fetchone()
        # an image's description goes with it (ON DELETE CASCADE)
        for table in ("cafe_image", "review_summary", "embedding"):
            db.execute(f"DELETE FROM {table} WHERE cafe_id = %s", (cafe_id,))

        image_ids = {}
        for image in reps_by.get(cafe["id"], {}).get("images", []):
            (image_ids[image["rank"]],) = db.execute(
                """INSERT INTO cafe_image (cafe_id, rank, uri, source_url, score, run_id, step_id, model)
                   VALUES (%s, %s, %s, %s, %s, %s, 'representative-images', %s) RETURNING id""",
                (cafe_id, image["rank"], str(reps_dir / image["file"]), image["sourceUrl"], image["score"], run,
                 reps.get("model")),
            ).fetchone()
        for described in descriptions_by.get(cafe["id"], {}).get("images", []):
            if described["rank"] in image_ids:
                db.execute(
                    """INSERT INTO image_description (cafe_image_id, text, run_id, step_id, model)
                       VALUES (%s, %s, %s, 'describe-images', %s)""",
                    (image_ids[described["rank"]], described["text"], run, descriptions.get("model")),
                )
        summary = summary_by.get(cafe["id"])
        if summary:
            db.execute(
                """INSERT INTO review_summary (cafe_id, text, review_count, run_id, step_id, model)
                   VALUES (%s, %s, %s, %s, 'summarise-reviews', %s)""",
                (cafe_id, summary["text"], summary["reviewCount"], run, summaries.get("model")),
            )
        embedded = embeddings_by.get(cafe["id"])
        if embedded:
            vectors = [("image", v["rank"], v["vector"]) for v in embedded["image"]] + [("text", 0, embedded["text"])]
            with db.cursor() as cursor:
                cursor.executemany(
                    """INSERT INTO embedding (cafe_id, kind, source_rank, dim, vector, run_id, step_id, model)
                       VALUES (%s, %s, %s, %s, %s::real[], %s, 'embed', %s)""",
                    [(cafe_id, kind, rank, len(v), v, run, embeddings.get("model")) for kind, rank, v in vectors],
                )
    db.execute(
        """INSERT INTO dong_load (dong, run_id, step_id, cafes) VALUES (%s, %s, %s, %s)
           ON CONFLICT (dong) DO UPDATE SET run_id = excluded.run_id, step_id = excluded.step_id,
             cafes = excluded.cafes, loaded_at = now()""",
        (brewline.item, run, brewline.step, len(cafes["cafes"])),
    )

print(f"loaded {len(cafes['cafes'])} cafes of {brewline.item}")
brewline.result({"cafes": len(cafes["cafes"])})
