"""Shared fixtures.

S3 tests talk to a real moto server over HTTP on 127.0.0.1 with the real boto3 client, so the
code under test is the code users run. One server serves the whole session (a pytest-xdist
worker gets its own); each test gets a fresh, empty moto state and an AWS environment that can
read neither the user's ~/.aws nor any network.

- `aws_env`: fake credentials, region us-east-1, isolated AWS config files and cache folder.
- `moto_s3`: the endpoint URL (`http://127.0.0.1:<port>`) of a reset moto server, with `aws_env`.
- `s3_client`: a boto3 S3 client for that endpoint, to arrange test data.
- `upload_tree`: `upload_tree(folder, "bucket", "prefix")` creates the bucket, uploads every file
  under `folder` below the prefix and returns `s3://bucket/prefix`.
- `moto_iam_auth`: turns on moto's IAM checks for one test; gives access keys that work, that
  lack permissions, and that do not exist.
- `shared_data`: the `shared/data` folder checked out next to the repository (skips if absent).

Every test (and every command a test runs) keeps the blank database that new stores are copied
from in one cache folder of the session (a worker's own), never in the user's ~/.cache.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

MOTO_HOST = "127.0.0.1"


def _moto_api(endpoint: str, path: str, data: bytes) -> dict[str, Any]:
    """POST to moto's control API (no proxy: the server is on loopback)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    # Not form-encoded (urllib's default): moto reads the raw body, werkzeug would eat a form.
    request = urllib.request.Request(
        f"{endpoint}/moto-api/{path}",
        data=data,
        method="POST",
        headers={"Content-Type": "application/octet-stream"},
    )
    with opener.open(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else {}


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server for the whole session, bound to loopback on a free port."""
    from moto.server import ThreadedMotoServer

    # Port 0: the OS picks a free port when the server binds, so there is no race for it.
    server = ThreadedMotoServer(ip_address=MOTO_HOST, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An AWS environment made only of fake values; returns the folder holding its files.

    Every `AWS_*` variable of the caller is removed, config and credential files point at empty
    files in tmp, instance metadata is off and proxies are bypassed for loopback, so no test can
    pick up real credentials or reach the network. `XDG_CACHE_HOME` is in tmp too.
    """
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    home = tmp_path / "aws-env"
    home.mkdir()
    (home / "config").write_text("")
    (home / "credentials").write_text("")
    values = {
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",  # an unreachable endpoint fails at once, not after backoff
        "XDG_CACHE_HOME": str(home / "cache"),
        "NO_PROXY": f"{MOTO_HOST},localhost",
        "no_proxy": f"{MOTO_HOST},localhost",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return home


@pytest.fixture
def moto_s3(moto_server: str, aws_env: Path) -> str:
    """The endpoint URL of the session's moto server, emptied for this test."""
    _moto_api(moto_server, "reset", b"")
    return moto_server


@pytest.fixture
def s3_client(moto_s3: str) -> Any:
    """A real boto3 S3 client for the moto server (to arrange buckets and objects)."""
    from aifinops.ingest.s3 import new_boto3_session

    return new_boto3_session(region="us-east-1").client("s3", endpoint_url=moto_s3)


@pytest.fixture
def upload_tree(s3_client: Any) -> Callable[..., str]:
    """`upload_tree(folder, bucket, prefix="")`: a bucket holding `folder`'s files under prefix."""

    def upload(folder: Path, bucket: str, prefix: str = "") -> str:
        existing = {b["Name"] for b in s3_client.list_buckets().get("Buckets", [])}
        if bucket not in existing:
            s3_client.create_bucket(Bucket=bucket)
        base = prefix.strip("/")
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                rel = path.relative_to(folder).as_posix()
                s3_client.upload_file(str(path), bucket, f"{base}/{rel}" if base else rel)
        return f"s3://{bucket}/{base}" if base else f"s3://{bucket}"

    return upload


@dataclass(frozen=True)
class MotoKeys:
    """Access keys in moto's IAM: one allowed all of S3, one allowed nothing."""

    reader: tuple[str, str]
    nobody: tuple[str, str]


@pytest.fixture
def moto_iam_auth(moto_s3: str) -> Iterator[MotoKeys]:
    """Make moto check signatures and IAM policies for this test, as AWS does.

    Off by default, moto accepts any credentials; with it on, an unknown key, a wrong secret and
    a key without permission get the same 403 codes AWS sends.
    """
    from aifinops.ingest.s3 import new_boto3_session

    iam = new_boto3_session(region="us-east-1").client("iam", endpoint_url=moto_s3)
    keys: dict[str, tuple[str, str]] = {}
    for user in ("reader", "nobody"):
        iam.create_user(UserName=user)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        keys[user] = (key["AccessKeyId"], key["SecretAccessKey"])
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }
    iam.put_user_policy(UserName="reader", PolicyName="s3", PolicyDocument=json.dumps(policy))
    _moto_api(moto_s3, "reset-auth", b"0")
    try:
        yield MotoKeys(reader=keys["reader"], nobody=keys["nobody"])
    finally:
        _moto_api(moto_s3, "reset-auth", b"inf")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """`shared/data` beside the checkout (/work/main -> /work/shared; CI: <clone>/../shared)."""
    path = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} is not checked out")
    return path


@pytest.fixture(scope="session")
def _blank_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("blank-cache")


@pytest.fixture(autouse=True)
def _isolated_blank_cache(monkeypatch: pytest.MonkeyPatch, _blank_cache: Path) -> None:
    monkeypatch.setenv("AIFINOPS_CACHE_DIR", str(_blank_cache))


@pytest.fixture(autouse=True)
def _no_instance_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach the cloud metadata address: the sampler's lookup is switched off."""
    monkeypatch.setenv("AIFINOPS_METADATA_URL", "off")
