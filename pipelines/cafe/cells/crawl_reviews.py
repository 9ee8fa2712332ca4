"""Crawl reviews (a stand-in for the team's review crawler): the dong's latest reviews, in the crawl file's shape
(cafes with their reviews, no images): reviews.json."""

import json
from datetime import datetime, timezone
from pathlib import Path

import brewline
from brewline import BadInput

path = Path(str(brewline.params["crawlDir"])) / f"{brewline.item}.json"
try:
    crawl = json.loads(path.read_text(encoding="utf-8"))
    cafes = [
        {"id": str(cafe["id"]), "name": str(cafe["name"]), "images": [], "reviews": list(cafe["reviews"])}
        for cafe in crawl["cafes"]
    ]
except OSError as err:
    raise BadInput(f"crawl file {path} cannot be read: {err.strerror}") from None
except ValueError as err:
    raise BadInput(f"crawl file {path} is malformed JSON (at position {getattr(err, 'pos', '?')})") from None
except (KeyError, TypeError) as err:
    raise BadInput(f"crawl file {path}: a cafe lacks {err}") from None
if crawl.get("dong") != brewline.item:
    raise BadInput(f"crawl file is for dong {crawl.get('dong')!r}, not {brewline.item!r}")

crawled_at = datetime.now(timezone.utc).isoformat()
reviews = {"dong": brewline.item, "crawledAt": crawled_at, "cafes": cafes}
(brewline.out / "reviews.json").write_text(json.dumps(reviews, ensure_ascii=False))
print(f"crawled {sum(len(c['reviews']) for c in cafes)} reviews of {len(cafes)} cafes")
brewline.result({"cafes": len(cafes)})
