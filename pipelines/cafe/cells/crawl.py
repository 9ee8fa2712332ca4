"""Crawl (a stand-in for the team's crawler): crawls the dongs one after another and drops each dong's crawl file
(and its images) into the run's shared folder as soon as it is done, so that the dong starts at once (its sensor
waits for the file). Files appear whole: written aside, then renamed."""

import json
import os
import shutil
import time
from pathlib import Path

import brewline

source = Path(str(brewline.params["sourceDir"]))
dongs = json.loads(Path(str(brewline.params["dongsFile"])).read_text(encoding="utf-8"))
delay = int(brewline.params.get("crawlDelayMs") or 0) / 1000
out = Path(os.environ["BREWLINE_RUN_DIR"]) / "crawl"
out.mkdir(parents=True, exist_ok=True)


def signal_ready(dong: str) -> None:
    """Tells Brewline the dong is ready, so its sensor checks at once (given BREWLINE_URL and a BREWLINE_TOKEN)."""
    url, token = os.environ.get("BREWLINE_URL"), os.environ.get("BREWLINE_TOKEN")
    if not url or not token:
        return
    import urllib.request  # only when signalling: a cell starts faster without it

    body = json.dumps({"json": {"runId": brewline.run.id, "itemKey": dong}}).encode()
    request = urllib.request.Request(
        f"{url}/api/trpc/runs.signalItem",
        data=body,
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except OSError as err:
        print(f"could not signal {dong}: {err}")


for dong in dongs:
    time.sleep(delay)
    text = (source / f"{dong}.json").read_text(encoding="utf-8")
    try:
        crawl = json.loads(text)
    except ValueError:
        print(f"{dong}: the crawl came back malformed; passing it on as it is")
        crawl = None
    cafes = crawl.get("cafes") if isinstance(crawl, dict) else None
    for cafe in cafes if isinstance(cafes, list) else []:
        for image in cafe.get("images") or [] if isinstance(cafe, dict) else []:
            url = image.get("url") if isinstance(image, dict) else None
            # images the crawler fetched into its own store; web URLs are downloaded later, per dong
            if not isinstance(url, str) or url.startswith(("http:", "https:")) or ".." in url:
                continue
            (out / url).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / url, out / url)
    part = out / f"{dong}.json.part"
    part.write_text(text, encoding="utf-8")
    part.rename(out / f"{dong}.json")
    print(f"crawled {dong}", flush=True)
    signal_ready(dong)

brewline.result({"dongs": len(dongs)})
