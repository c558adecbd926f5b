"""`aifinops demo`: a fresh database built from `sample_data/`, through the same ingest paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aifinops.analysis.pipeline import refresh_and_recommend
from aifinops.config import Settings
from aifinops.demo.gpu_gen import ingest_demo as ingest_demo_gpu
from aifinops.ingest.aws_cur import IngestReport, ingest_aws_cur
from aifinops.ingest.focus import ingest_focus
from aifinops.ingest.gcp_billing import ingest_gcp_files
from aifinops.ingest.traffic import ingest_traffic
from aifinops.store import Store, open_store

DEMO_DB_NAME = "aifinops-demo.duckdb"


def sample_data_root() -> Path:
    """`sample_data/` of a checkout, or the copy shipped inside the wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "sample_data", here.parent / "sample_data"):
        if (candidate / "aws").is_dir():
            return candidate
    raise FileNotFoundError("sample_data/ not found; reinstall aifinops from a checkout")


@dataclass
class DemoBuild:
    db_path: Path
    reports: list[IngestReport] = field(default_factory=list)
    other: list[Any] = field(default_factory=list)  # GCP, FOCUS, GPU and traffic load reports
    recommendations: Any = None


def build_demo(settings: Settings, root: Path | None = None) -> DemoBuild:
    """Delete and rebuild the demo database named by `settings.db_path`."""
    root = root or sample_data_root()
    for suffix in ("", ".wal"):
        Path(str(settings.db_path) + suffix).unlink(missing_ok=True)
    build = DemoBuild(settings.db_path)
    with open_store(settings) as store:
        load_demo(store, settings, root, build)
        _, build.recommendations = refresh_and_recommend(store, settings)
    return build


def load_demo(store: Store, settings: Settings, root: Path, build: DemoBuild) -> None:
    """Every source of the demo world, each through the loader a user's data would take."""
    for folder in ("aws/cur2", "aws/legacy"):
        path = root / folder
        if path.exists():
            build.reports.append(ingest_aws_cur(store, str(path), settings=settings))
    for gcp in sorted((root / "gcp").glob("*")) if (root / "gcp").is_dir() else []:
        build.other.append(ingest_gcp_files(store, str(gcp), settings=settings))
    for focus in sorted((root / "focus").glob("*")) if (root / "focus").is_dir() else []:
        build.other.append(ingest_focus(store, str(focus), settings=settings))
    if (root / "gpu").is_dir():
        build.other.extend(ingest_demo_gpu(store, settings, root))
    traffic = root / "traffic" / "requests.csv"
    if traffic.exists():
        build.other.append(ingest_traffic(store, traffic))
