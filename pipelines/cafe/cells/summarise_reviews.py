"""Review summary: the text model (Gemma 3) summarises each cafe's Korean reviews in Korean, through its chat
template. The reviews come from the dong's crawl file (the monthly pipeline) or from the crawl-reviews cell's
reviews.json (the weekly one); summaries.json."""

import json
import os
from pathlib import Path

import brewline
from brewline import BadInput

MODEL = "review-summariser"
SYSTEM = "당신은 서울의 카페를 소개하는 도우미입니다. 리뷰에 있는 내용만 사용해 한국어로 답하세요."
# greedy decoding (temperature 0): the same reviews give the same summary
SETTINGS = {"maxNewTokens": 96, "temperature": 0}

if "crawl-reviews" in brewline.inputs:
    reviews_file = brewline.inputs["crawl-reviews"].dir / "reviews.json"
else:
    reviews_file = Path(os.environ["BREWLINE_RUN_DIR"]) / "crawl" / f"{brewline.item}.json"
try:
    crawl = json.loads(reviews_file.read_text(encoding="utf-8"))
    cafes = [
        {"id": str(cafe["id"]), "name": str(cafe["name"]), "reviews": [str(r["text"]) for r in cafe["reviews"]]}
        for cafe in crawl["cafes"]
    ]
except (OSError, ValueError, KeyError, TypeError) as err:
    raise BadInput(f"reviews file {reviews_file} cannot be used: {err!r}") from None
if crawl.get("dong") != brewline.item:
    raise BadInput(f"reviews file is for dong {crawl.get('dong')!r}, not {brewline.item!r}")


def prompt(cafe: dict) -> str:
    reviews = "\n".join(f"- {text.strip()}" for text in cafe["reviews"])
    return f'카페 "{cafe["name"]}"의 방문자 리뷰입니다.\n{reviews}\n이 리뷰들을 두 문장으로 요약해 주세요.'


with_reviews = [cafe for cafe in cafes if cafe["reviews"]]
inputs = [{"prompt": prompt(cafe), "system": SYSTEM, **SETTINGS} for cafe in with_reviews]
outputs = brewline.infer(MODEL, inputs) if inputs else []
for i, output in enumerate(outputs):
    # a runner that answers in another shape is a bad model version, not a flake
    if not isinstance(output, dict) or not isinstance(output.get("text"), str):
        raise BadInput(f"model {MODEL} answered input {i} with {json.dumps(output)[:200]}, not {{text}}")
text_of = {cafe["id"]: output["text"] for cafe, output in zip(with_reviews, outputs)}
summaries = [
    {"id": cafe["id"], "text": text_of.get(cafe["id"], "아직 리뷰가 없습니다."), "reviewCount": len(cafe["reviews"])}
    for cafe in cafes
]

label = f"{os.environ['BREWLINE_MODEL_NAME']}@{os.environ['BREWLINE_MODEL_VERSION']}"
document = {"method": "llm-summary", "model": label, "cafes": summaries}
(brewline.out / "summaries.json").write_text(json.dumps(document, ensure_ascii=False))
tokens = sum(int(output.get("tokens") or 0) for output in outputs)
print(f"summarised reviews of {len(summaries)} cafes ({label}, {tokens} tokens)")
brewline.result({"cafes": len(summaries)})
