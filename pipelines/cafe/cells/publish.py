"""Publish (once, after every dong): the dongs were loaded one by one as they finished; now, in every dong this run
loaded, the cafes it no longer found are marked disappeared, so the backend's changedSince sees them go."""

import os

import psycopg

import brewline

run = brewline.run.id
with psycopg.connect(os.environ["BREWLINE_CONNECTION_URL"], connect_timeout=10) as db, db.transaction():
    dongs = [dong for (dong,) in db.execute("SELECT dong FROM dong_load WHERE run_id = %s", (run,))]
    gone = db.execute(
        """UPDATE cafe SET disappeared_at = now(), updated_at = now()
           WHERE dong = ANY(%s::text[]) AND run_id <> %s AND disappeared_at IS NULL""",
        (dongs, run),
    ).rowcount
    (total,) = db.execute("SELECT count(*) FROM cafe WHERE run_id = %s", (run,)).fetchone()

print(f"this run loaded {total} cafes in {len(dongs)} dongs; {gone} cafes no longer found were marked disappeared")
brewline.result({"cafes": total, "dongs": len(dongs), "disappeared": gone})
