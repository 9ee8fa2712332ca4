"""Image descriptions: the vision-language model (Qwen2.5-VL) describes each representative image in Korean, from a
prompt this cell passes through the model's chat template (descriptions.json)."""

import json
import os

import brewline
from brewline import BadInput

MODEL = "vlm-captioner"
# what the team asks of each image; greedy decoding (temperature 0), so a rerun gives the same text
PROMPT = "이 카페 사진을 한 문장으로 설명해 주세요. 분위기, 인테리어, 보이는 메뉴가 있다면 함께 적어 주세요."
SETTINGS = {"maxNewTokens": 64, "temperature": 0}

reps = brewline.inputs["representative-images"]
try:
    cafes = json.loads((reps.dir / "representative.json").read_text(encoding="utf-8"))["cafes"]
except (OSError, ValueError, KeyError, TypeError) as err:
    raise BadInput(f"representative.json cannot be used: {err}") from None

images = [str(reps.dir / image["file"]) for cafe in cafes for image in cafe["images"]]
inputs = [{"image": image, "prompt": PROMPT, **SETTINGS} for image in images]
outputs = brewline.infer(MODEL, inputs) if inputs else []
for i, output in enumerate(outputs):
    # a runner that answers in another shape is a bad model version, not a flake
    if not isinstance(output, dict) or not isinstance(output.get("text"), str):
        raise BadInput(f"model {MODEL} answered input {i} with {json.dumps(output)[:200]}, not {{text}}")
texts = iter(output["text"] for output in outputs)
described = [
    {"id": cafe["id"], "images": [{"rank": image["rank"], "text": next(texts)} for image in cafe["images"]]}
    for cafe in cafes
]

label = f"{os.environ['BREWLINE_MODEL_NAME']}@{os.environ['BREWLINE_MODEL_VERSION']}"
descriptions = {"method": "vlm-chat", "model": label, "prompt": PROMPT, "cafes": described}
(brewline.out / "descriptions.json").write_text(json.dumps(descriptions, ensure_ascii=False))
tokens = sum(int(output.get("tokens") or 0) for output in outputs)
print(f"described {len(images)} images ({label}, {tokens} tokens)")
brewline.result({"images": len(images)})
