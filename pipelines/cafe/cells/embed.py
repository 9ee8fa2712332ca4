"""Embeddings: SigLIP puts each representative image and each cafe's review summary in one space
(embeddings.json): the recommendation service matches cafes to what a person looks for with them."""

import json
import os

import brewline
from brewline import BadInput

MODEL = "siglip"


def read(step: str, name: str) -> list[dict]:
    try:
        return json.loads((brewline.inputs[step].dir / name).read_text(encoding="utf-8"))["cafes"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise BadInput(f"{name} from step {step} cannot be used: {err}") from None


reps_dir = brewline.inputs["representative-images"].dir
cafes = read("representative-images", "representative.json")
text_of = {summary["id"]: summary["text"] for summary in read("summarise-reviews", "summaries.json")}
images = [{"image": str(reps_dir / image["file"])} for cafe in cafes for image in cafe["images"]]
texts = [{"text": text_of.get(cafe["id"], "")} for cafe in cafes]
outputs = brewline.infer(MODEL, images + texts) if images or texts else []
vectors = []
for i, output in enumerate(outputs):
    # a runner that answers in another shape is a bad model version, not a flake
    if not isinstance(output, dict) or not isinstance(output.get("vector"), list) or not output["vector"]:
        raise BadInput(f"model {MODEL} answered input {i} with {json.dumps(output)[:200]}, not {{vector}}")
    vectors.append([round(float(x), 6) for x in output["vector"]])
dim = len(vectors[0]) if vectors else 1
if any(len(vector) != dim for vector in vectors):
    raise BadInput(f"model {MODEL} returned vectors of different sizes")

image_vectors = iter(vectors[: len(images)])
embedded = [
    {
        "id": cafe["id"],
        "image": [{"rank": image["rank"], "vector": next(image_vectors)} for image in cafe["images"]],
        "text": vectors[len(images) + c],
    }
    for c, cafe in enumerate(cafes)
]

label = f"{os.environ['BREWLINE_MODEL_NAME']}@{os.environ['BREWLINE_MODEL_VERSION']}"
document = {"method": "siglip", "model": label, "dim": dim, "cafes": embedded}
(brewline.out / "embeddings.json").write_text(json.dumps(document))
print(f"embedded {len(images)} images and {len(texts)} texts in {dim} dimensions ({label})")
brewline.result({"dim": dim, "vectors": len(vectors)})
