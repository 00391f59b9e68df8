"""Benchmark of photo processing (issue 16): prints figures, never asserts.

Run from the repository root: ``python bench/bench_media.py``. A 12-megapixel phone JPEG (4000 x 3000, photo-like
detail so it weighs what a phone's does, with EXIF and a GPS position) goes through chalicelib/imaging.py's
`derive`, as the S3 upload handler runs it. Each run is in a fresh interpreter, so the peak memory is that of
one Lambda invocation: the peak resident set of the process, and its growth over the imported baseline (Pillow,
pillow-heif and the photo's bytes already loaded), which is what the photo itself costs. Figures: wall time per
photo, peak memory, and the bytes a phone downloads for the list and page sizes instead of the original.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RUNS = 3
BUDGET_MB = 1536  # .chalice/config.json, stages.*.lambda_functions.media_uploaded


def make_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A deterministic photo-like JPEG: a gradient, thousands of shapes of every size (detail that survives
    downscaling, as a street scene's does) and sensor-like noise, at a phone's quality, with EXIF."""
    import random

    from PIL import Image, ImageDraw

    from tests.media_samples import exif_block

    rng = random.Random(16)
    photo = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(photo)
    for i in range(4000):
        side = int(rng.paretovariate(1.2) * 12)
        x, y = rng.randrange(width), rng.randrange(height)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        box = (x, y, x + side, y + int(side * rng.uniform(0.3, 1.5)))
        (draw.ellipse if i % 2 else draw.rectangle)(box, fill=colour)
    noise = Image.merge("RGB", [Image.effect_noise((width, height), 40) for _ in range(3)])
    photo = Image.blend(photo, noise, 0.3)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92, exif=exif_block(6, b""))
    return out.getvalue()


def _status_kb(field: str) -> int:
    """A memory figure of this process from /proc (ru_maxrss would include the parent's peak before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _child(path: str) -> None:
    """One invocation's worth: import, read, derive; report time and memory as JSON on stdout."""
    data = Path(path).read_bytes()
    from chalicelib import imaging

    imaging._pillow()  # Pillow and pillow-heif loaded: part of the baseline, as on a warm container
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the present size
    baseline_kb = _status_kb("VmRSS")
    began = time.perf_counter()
    images = imaging.derive(data)
    seconds = time.perf_counter() - began
    peak_kb = _status_kb("VmHWM")
    sizes = {d.size: {"bytes": len(d.data), "width": d.width, "height": d.height} for d in images}
    print(json.dumps({"seconds": seconds, "baseline_kb": baseline_kb, "peak_kb": peak_kb, "sizes": sizes}))


def _import_seconds() -> float:
    """What loading Pillow and pillow-heif costs a cold container (the API never pays it)."""
    code = (
        "import time; t=time.perf_counter(); from chalicelib import imaging; imaging._pillow(); "
        "print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    original = make_photo()
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(original)
        f.flush()
        runs = []
        for _ in range(RUNS):
            out = subprocess.run(
                [sys.executable, __file__, "--child", f.name],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(out.stdout))
    sizes = runs[0]["sizes"]
    seconds = statistics.median(r["seconds"] for r in runs)
    peak = max(r["peak_kb"] for r in runs) / 1024
    growth = max(r["peak_kb"] - r["baseline_kb"] for r in runs) / 1024
    print(f"12-megapixel JPEG 4000x3000, original {len(original):,} bytes ({len(original) / 1e6:.2f} MB)")
    print(f"derive thumb+page+full: {seconds:.2f} s (median of {RUNS} fresh processes; this machine's CPU)")
    print(f"peak memory: {peak:.0f} MB resident ({growth:.0f} MB above Pillow loaded), budget {BUDGET_MB} MB")
    print(f"loading Pillow + pillow-heif: {_import_seconds() * 1000:.0f} ms (upload handler only)")
    for name in ("thumb", "page", "full"):
        s = sizes[name]
        saved = len(original) - s["bytes"]
        print(
            f"  {name:5} {s['width']}x{s['height']}: {s['bytes']:>9,} bytes, "
            f"saves {saved:,} bytes ({saved / len(original):.1%}) against the original"
        )
    thumb, page = sizes["thumb"]["bytes"], sizes["page"]["bytes"]
    print(
        f"a list of 20 reports: {20 * thumb / 1e6:.2f} MB of thumbnails instead of {20 * len(original) / 1e6:.1f} MB"
        f" of originals; one report page: {page / 1e6:.2f} MB instead of {len(original) / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(sys.argv[2])
    else:
        main()
