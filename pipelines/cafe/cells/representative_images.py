"""Representative images: CLIP embeds every image the dong's cafes have; per cafe, the images that best cover its
set are kept (images/<cafe>/<rank>.png) and listed in representative.json with how much each adds."""

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np

import brewline
from brewline import BadInput

MODEL = "clip-representative"


def pick_representatives(vectors: np.ndarray, count: int) -> list[tuple[int, float]]:
    """The `count` images that best cover the whole set: greedy facility location on cosine similarity (unit
    vectors), each pick the medoid of the images it brings closest, so the picks show a cafe's different sides
    (facade, interior, drinks) rather than near-copies of one. Returns (index, gain) pairs, gain in 0..1: how much
    of the set the pick covers beyond those before it. Deterministic: gains within 1e-9 go to the earlier image."""
    n = len(vectors)
    if n == 0 or count <= 0:
        return []
    similarity = vectors @ vectors.T
    # how close each image is to its nearest pick so far (-1: nothing picked yet)
    cover = np.full(n, -1.0)
    taken = np.zeros(n, dtype=bool)
    picks = []
    for _ in range(min(count, n)):
        gains = np.maximum(0.0, similarity - cover).sum(axis=1)
        gains[taken] = -np.inf
        best = int(np.flatnonzero(gains >= gains.max() - 1e-9)[0])
        taken[best] = True
        cover = np.maximum(cover, similarity[best])
        picks.append((best, round(float(gains[best]) / (2 * n), 6)))
    return picks


def read_cafes(step: str) -> list[dict]:
    path = brewline.inputs[step].dir / "cafes.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["cafes"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise BadInput(f"cafes.json from step {step} cannot be used: {err}") from None


def vectors_of(outputs: list) -> list[list[float]]:
    """The model's vectors; a runner that answers in another shape is a bad model version, not a flake."""
    for i, output in enumerate(outputs):
        if not isinstance(output, dict) or not isinstance(output.get("vector"), list) or not output["vector"]:
            raise BadInput(f"model {MODEL} answered input {i} with {json.dumps(output)[:200]}, not {{vector}}")
    return [output["vector"] for output in outputs]


# the cell's work (a test imports pick_representatives from this file without doing it)
if __name__ == "__main__":
    count = int(brewline.params.get("imagesPerCafe") or 5)
    download = brewline.inputs["download-images"]
    cafes = read_cafes("download-images")
    images = [download.dir / image["file"] for cafe in cafes for image in cafe["images"]]
    vectors = vectors_of(brewline.infer(MODEL, [{"image": str(path)} for path in images])) if images else []
    label = f"{os.environ['BREWLINE_MODEL_NAME']}@{os.environ['BREWLINE_MODEL_VERSION']}"

    chosen, at = [], 0
    for cafe in cafes:
        own = np.array(vectors[at : at + len(cafe["images"])], dtype=np.float64)
        at += len(cafe["images"])
        folder = Path("images") / re.sub(r"[^\w.-]", "-", cafe["id"])
        (brewline.out / folder).mkdir(parents=True, exist_ok=True)
        picks = []
        for rank, (index, gain) in enumerate(pick_representatives(own, count)):
            image = cafe["images"][index]
            file = folder / f"{rank}.png"
            shutil.copyfile(download.dir / image["file"], brewline.out / file)
            picks.append({"rank": rank, "file": str(file), "sourceUrl": image["sourceUrl"], "score": gain})
        chosen.append({"id": cafe["id"], "images": picks})

    representative = {"method": "clip-facility-location", "model": label, "cafes": chosen}
    (brewline.out / "representative.json").write_text(json.dumps(representative, ensure_ascii=False))
    print(f"picked representative images for {len(chosen)} cafes from {len(images)} images ({label})")
    brewline.result({"cafes": len(chosen), "images": len(images)})
