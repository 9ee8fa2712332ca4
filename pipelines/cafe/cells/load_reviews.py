"""Load summaries: replaces the review summaries of the dong's cafes in the results database (cafes the monthly
pipeline has not loaded yet are skipped, and named)."""

import json
import os

import psycopg

import brewline
from brewline import BadInput

try:
    summaries = json.loads((brewline.inputs["summarise-reviews"].dir / "summaries.json").read_text(encoding="utf-8"))
except (OSError, ValueError) as err:
    raise BadInput(f"summaries.json cannot be used: {err}") from None

run = brewline.run.id
refreshed, unknown = 0, []
with psycopg.connect(os.environ["BREWLINE_CONNECTION_URL"], connect_timeout=10) as db, db.transaction():
    for summary in summaries["cafes"]:
        row = db.execute(
            "UPDATE cafe SET updated_at = now() WHERE external_id = %s RETURNING id", (summary["id"],)
        ).fetchone()
        if row is None:
            unknown.append(summary["id"])
            continue
        db.execute(
            """INSERT INTO review_summary (cafe_id, text, review_count, run_id, step_id, model)
               VALUES (%s, %s, %s, %s, 'summarise-reviews', %s)
               ON CONFLICT (cafe_id) DO UPDATE SET text = excluded.text, review_count = excluded.review_count,
                 run_id = excluded.run_id, step_id = excluded.step_id, model = excluded.model""",
            (row[0], summary["text"], summary["reviewCount"], run, summaries.get("model")),
        )
        refreshed += 1

skipped = f"; not loaded yet, skipped: {', '.join(unknown)}" if unknown else ""
print(f"refreshed {refreshed} review summaries of {brewline.item}{skipped}")
brewline.result({"refreshed": refreshed, "skipped": len(unknown)})
