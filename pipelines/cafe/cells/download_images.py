"""Download images: fetches the images of each cafe in the dong's crawl file into this cell's folder, and lists
the dong's cafes in cafes.json (images/<cafe>/<n>.png)."""

import json
import os
import re
import shutil
from pathlib import Path

import brewline
from brewline import BadInput

crawl_file = Path(os.environ["BREWLINE_RUN_DIR"]) / "crawl" / f"{brewline.item}.json"


def read_crawl(path: Path) -> dict:
    """The crawl file, checked; BadInput names its first problem (no retry mends a file)."""
    try:
        crawl = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise BadInput(f"crawl file {path} cannot be read: {err.strerror}") from None
    except ValueError as err:
        # the position only: a step's errors are shown to every viewer, and the file may hold anything
        raise BadInput(f"crawl file {path} is malformed JSON (at position {getattr(err, 'pos', '?')})") from None
    if not isinstance(crawl, dict):
        raise BadInput("crawl file must hold an object")
    if crawl.get("dong") != brewline.item:
        raise BadInput(f"crawl file is for dong {crawl.get('dong')!r}, not {brewline.item!r}")
    if not isinstance(crawl.get("cafes"), list):
        raise BadInput("crawl file: cafes must be a list")
    for i, cafe in enumerate(crawl["cafes"]):
        if not isinstance(cafe, dict) or not isinstance(cafe.get("id"), str) or not cafe["id"]:
            raise BadInput(f"crawl file: cafes[{i}].id must be a non-empty string")
        for field, kind in (("name", str), ("images", list), ("reviews", list)):
            if not isinstance(cafe.get(field), kind):
                raise BadInput(f"crawl file: cafes[{i}].{field} must be a {'string' if kind is str else 'list'}")
    return crawl


def safe_name(cafe_id: str) -> str:
    return re.sub(r"[^\w.-]", "-", cafe_id)


crawl = read_crawl(crawl_file)
base = crawl_file.parent.resolve()
cafes = []
for cafe in crawl["cafes"]:
    folder = Path("images") / safe_name(cafe["id"])
    (brewline.out / folder).mkdir(parents=True, exist_ok=True)
    images = []
    for n, image in enumerate(cafe["images"]):
        url = str(image.get("url", "")) if isinstance(image, dict) else ""
        file = folder / f"{n}.png"
        if url.startswith(("http://", "https://")):
            import urllib.request  # only for images on the web: a cell starts faster without it

            with urllib.request.urlopen(url, timeout=60) as response, open(brewline.out / file, "wb") as target:
                shutil.copyfileobj(response, target)
        else:
            path = (base / url.removeprefix("file://")).resolve()
            if not path.is_relative_to(base):
                raise BadInput(f"image url {url} of cafe {cafe['id']} points outside the crawl folder")
            if not path.is_file():
                raise BadInput(f"image {url} of cafe {cafe['id']} is missing")
            shutil.copyfile(path, brewline.out / file)
        images.append({"file": str(file), "sourceUrl": url})
    cafes.append({"id": cafe["id"], "name": cafe["name"], "address": cafe.get("address") or "", "images": images})

(brewline.out / "cafes.json").write_text(json.dumps({"dong": brewline.item, "cafes": cafes}, ensure_ascii=False))
count = sum(len(c["images"]) for c in cafes)
print(f"downloaded {count} images of {len(cafes)} cafes")
brewline.result({"cafes": len(cafes), "images": count})
