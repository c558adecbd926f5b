"""S3Source against a moto server with the real boto3 client: listing, cache, errors."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from aifinops.errors import AifinopsError, InputError
from aifinops.ingest.objects import ObjectRef, open_source
from aifinops.ingest.s3 import SIDECAR_SUFFIX, S3Error, S3Source, is_ignored_key

BUCKET = "cur-bucket"
DATA = "cur/export/data/BILLING_PERIOD=2025-01/export-00001.snappy.parquet"
MANIFEST = "cur/export/metadata/BILLING_PERIOD=2025-01/export-Manifest.json"


@pytest.fixture
def bucket(s3_client: Any) -> Callable[..., None]:
    """`put(key, body)` into BUCKET (created on first use)."""
    s3_client.create_bucket(Bucket=BUCKET)

    def put(key: str, body: bytes = b"data") -> None:
        s3_client.put_object(Bucket=BUCKET, Key=key, Body=body)

    return put


def source(endpoint: str, uri: str = f"s3://{BUCKET}/cur", **kwargs: Any) -> S3Source:
    return S3Source(uri, endpoint_url=endpoint, **kwargs)


def by_key(refs: list[ObjectRef]) -> dict[str, ObjectRef]:
    return {ref.key: ref for ref in refs}


def one_line(err: pytest.ExceptionInfo[S3Error], uri: str) -> str:
    message = str(err.value)
    assert "\n" not in message
    assert uri in message
    return message


# -- listing -------------------------------------------------------------------------------------


def test_list_gives_keys_relative_to_prefix(moto_s3: str, bucket: Callable[..., None]) -> None:
    bucket(DATA, b"parquet bytes")
    bucket(MANIFEST, b"{}")
    bucket("cur-old/export/data/BILLING_PERIOD=2024-12/x.parquet")  # a sibling, not below cur/
    refs = source(moto_s3).list()
    assert sorted(r.key for r in refs) == [DATA.removeprefix("cur/"), MANIFEST.removeprefix("cur/")]
    ref = by_key(refs)[DATA.removeprefix("cur/")]
    assert ref.uri == f"s3://{BUCKET}/{DATA}"
    assert ref.size == len(b"parquet bytes")
    assert ref.etag and '"' not in ref.etag


@pytest.mark.parametrize("uri", [f"s3://{BUCKET}/cur/", f"s3://{BUCKET}//cur"])
def test_prefix_spellings_list_the_same(moto_s3: str, bucket: Callable[..., None], uri: str) -> None:
    bucket(DATA)
    src = source(moto_s3, uri)
    assert src.root_uri == f"s3://{BUCKET}/cur"
    assert [r.key for r in src.list()] == [DATA.removeprefix("cur/")]


def test_bucket_root_lists_full_keys(moto_s3: str, bucket: Callable[..., None]) -> None:
    bucket(DATA)
    src = source(moto_s3, f"s3://{BUCKET}")
    assert src.root_uri == f"s3://{BUCKET}"
    assert [r.key for r in src.list()] == [DATA]


def test_uri_may_name_a_single_object(moto_s3: str, bucket: Callable[..., None]) -> None:
    bucket(DATA, b"one")
    (ref,) = source(moto_s3, f"s3://{BUCKET}/{DATA}").list()
    assert ref.key == "export-00001.snappy.parquet"
    assert ref.uri == f"s3://{BUCKET}/{DATA}"
    assert source(moto_s3, f"s3://{BUCKET}/{DATA}").read_bytes(ref) == b"one"


def test_list_follows_every_page(moto_s3: str, bucket: Callable[..., None]) -> None:
    keys = [f"cur/export/data/BILLING_PERIOD=2025-{m:02d}/part-{i}.parquet" for m in (1, 2) for i in range(6)]
    for key in keys:
        bucket(key)
    src = source(moto_s3, page_size=5)
    calls: list[str] = []
    src.client.meta.events.register("before-call.s3.ListObjectsV2", lambda **kw: calls.append("x"))
    refs = src.list()
    assert sorted(r.uri for r in refs) == sorted(f"s3://{BUCKET}/{k}" for k in keys)
    assert len(calls) == 3  # 12 keys, 5 a page


@pytest.mark.slow
def test_list_more_than_1000_keys_with_default_pages(moto_s3: str, bucket: Callable[..., None]) -> None:
    keys = [f"cur/legacy/20250101-20250201/asm/report-{i:05d}.csv.gz" for i in range(1003)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: bucket(k, b""), keys))
    assert len(source(moto_s3).list()) == 1003


def test_list_skips_objects_that_are_not_billing_data(moto_s3: str, bucket: Callable[..., None]) -> None:
    bucket(DATA)
    bucket("cur/aws-programmatic-access-test-object", b"")
    bucket("cur/export/aws-programmatic-access-test-object", b"")
    bucket("cur/legacy/20250101-20250201/report-1.csv.metadata")
    bucket("cur/export/cost_and_usage_data_status/status.parquet")
    bucket("cur/export/data/", b"")  # a console "folder"
    assert [r.key for r in source(moto_s3).list()] == [DATA.removeprefix("cur/")]


@pytest.mark.parametrize(
    ("key", "ignored"),
    [
        ("aws-programmatic-access-test-object", True),
        ("a/b/aws-programmatic-access-test-object", True),
        ("r/20250101-20250201/r-1.csv.metadata", True),
        ("x/cost_and_usage_data_status/a.parquet", True),
        ("cost_and_usage_data_status/a.parquet", True),
        ("r/20250101-20250201/r-1.csv.gz", False),
        ("x/data/BILLING_PERIOD=2025-01/x.parquet", False),
        ("my-aws-programmatic-access-test-object-notes/x.parquet", False),
    ],
)
def test_ignored_keys(key: str, ignored: bool) -> None:
    assert is_ignored_key(key) is ignored


def test_open_source_gives_an_s3_source(moto_s3: str, bucket: Callable[..., None]) -> None:
    bucket(DATA)
    src = open_source(f"s3://{BUCKET}/cur", endpoint_url=moto_s3)
    assert isinstance(src, S3Source)
    assert len(src.list()) == 1


# -- download cache ------------------------------------------------------------------------------


def test_local_path_downloads_once_per_etag(
    moto_s3: str, bucket: Callable[..., None], tmp_path: Path
) -> None:
    bucket(DATA, b"v1 bytes")
    cache = tmp_path / "cache"
    src = source(moto_s3, cache_dir=cache)
    (ref,) = src.list()
    path = src.local_path(ref)
    assert path == cache / BUCKET / DATA
    assert path.read_bytes() == b"v1 bytes"
    assert src.downloads == 1 and src.bytes_downloaded == len(b"v1 bytes")
    mtime = path.stat().st_mtime_ns

    assert src.local_path(ref) == path
    again = source(moto_s3, cache_dir=cache)  # a later run: the cache is on disk
    assert again.local_path(again.list()[0]) == path
    assert src.downloads == 1 and again.downloads == 0
    assert path.stat().st_mtime_ns == mtime
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".part")]


def test_changed_object_is_downloaded_again(
    moto_s3: str, bucket: Callable[..., None], tmp_path: Path
) -> None:
    bucket(DATA, b"v1")
    src = source(moto_s3, cache_dir=tmp_path)
    (old,) = src.list()
    src.local_path(old)
    bucket(DATA, b"restated v2")  # AWS restates the period: same key, new bytes
    (new,) = src.list()
    assert new.etag != old.etag
    assert src.local_path(new).read_bytes() == b"restated v2"
    assert src.downloads == 2


def test_stale_ref_is_refused_not_mixed(moto_s3: str, bucket: Callable[..., None], tmp_path: Path) -> None:
    """An object replaced between listing and download is never cached under the old ETag."""
    bucket(DATA, b"v1")
    src = source(moto_s3, cache_dir=tmp_path)
    (old,) = src.list()
    bucket(DATA, b"v2 bytes")
    with pytest.raises(S3Error) as err:
        src.local_path(old)
    assert err.value.code == "PreconditionFailed"
    assert "changed while it was being read" in one_line(err, old.uri)
    with pytest.raises(S3Error):
        src.read_bytes(old)
    assert not src.cache_path(old).exists()


def test_default_cache_is_under_xdg_cache_home(
    moto_s3: str, bucket: Callable[..., None], aws_env: Path
) -> None:
    bucket(DATA)
    src = source(moto_s3)
    path = src.local_path(src.list()[0])
    assert path == aws_env / "cache" / "aifinops" / "s3" / BUCKET / DATA


def test_killed_download_leaves_no_file(
    moto_s3: str, bucket: Callable[..., None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket(DATA, b"0123456789" * 1000)
    src = source(moto_s3, cache_dir=tmp_path)
    (ref,) = src.list()

    def dies_halfway(key: str, etag: str, out: Any) -> int:
        out.write(b"0123")
        raise KeyboardInterrupt

    monkeypatch.setattr(src, "_download", dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        src.local_path(ref)
    path = src.cache_path(ref)
    assert not path.exists()
    assert list(path.parent.iterdir()) == []
    monkeypatch.undo()
    assert src.local_path(ref).read_bytes() == b"0123456789" * 1000


def test_damaged_cache_is_downloaded_again(moto_s3: str, bucket: Callable[..., None], tmp_path: Path) -> None:
    bucket(DATA, b"whole file")
    src = source(moto_s3, cache_dir=tmp_path)
    (ref,) = src.list()
    path = src.local_path(ref)
    path.write_bytes(b"whole")  # truncated behind our back
    assert src.local_path(ref).read_bytes() == b"whole file"
    path.with_name(path.name + SIDECAR_SUFFIX).write_text("not json")
    assert src.local_path(ref).read_bytes() == b"whole file"
    assert src.downloads == 3


def test_dotdot_keys_stay_inside_the_cache(moto_s3: str, bucket: Callable[..., None], tmp_path: Path) -> None:
    bucket("cur/../../escape.parquet", b"x")
    src = source(moto_s3, cache_dir=tmp_path / "cache")
    (ref,) = src.list()
    path = src.local_path(ref)
    assert path.resolve().is_relative_to((tmp_path / "cache").resolve())


def test_read_bytes(moto_s3: str, bucket: Callable[..., None]) -> None:
    bucket(MANIFEST, b'{"dataFiles": []}')
    src = source(moto_s3)
    (ref,) = src.list()
    assert src.read_bytes(ref) == b'{"dataFiles": []}'
    assert src.downloads == 0


# -- errors --------------------------------------------------------------------------------------


def test_empty_prefix_says_what_was_expected(moto_s3: str, bucket: Callable[..., None]) -> None:
    bucket(DATA)
    uri = f"s3://{BUCKET}/nothing-here"
    with pytest.raises(InputError) as err:
        source(moto_s3, uri).list()
    message = one_line(err, uri)  # type: ignore[arg-type]
    assert message.startswith(f"{uri}: no CUR exports under this prefix")
    assert message.count(uri) == 1
    assert "data/BILLING_PERIOD=YYYY-MM/" in message and "-Manifest.json" in message


def test_prefix_with_only_test_object_is_empty(moto_s3: str, bucket: Callable[..., None]) -> None:
    bucket("cur/aws-programmatic-access-test-object", b"")
    with pytest.raises(S3Error) as err:
        source(moto_s3).list()
    assert err.value.code == "Empty"
    assert "only 1 AWS test/status objects" in str(err.value)


def test_empty_bucket(moto_s3: str, s3_client: Any) -> None:
    s3_client.create_bucket(Bucket="empty-bucket")
    with pytest.raises(S3Error, match=r"^s3://empty-bucket/?: no CUR exports under this prefix"):
        source(moto_s3, "s3://empty-bucket").list()


def test_no_such_bucket(moto_s3: str) -> None:
    uri = "s3://no-such-bucket/cur"
    with pytest.raises(S3Error) as err:
        source(moto_s3, uri).list()
    assert err.value.code == "NoSuchBucket"
    assert "no such bucket 'no-such-bucket'" in one_line(err, uri)


def test_no_credentials(moto_s3: str, bucket: Callable[..., None], monkeypatch: pytest.MonkeyPatch) -> None:
    bucket(DATA)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    uri = f"s3://{BUCKET}/cur"
    with pytest.raises(S3Error) as err:
        source(moto_s3).list()
    assert err.value.code == "NoCredentials"
    assert "no AWS credentials found" in one_line(err, uri)
    assert "--profile" in str(err.value)


def test_missing_profile(moto_s3: str) -> None:
    with pytest.raises(S3Error) as err:
        source(moto_s3, profile="nope")
    assert err.value.code == "ProfileNotFound"
    assert "AWS profile 'nope'" in one_line(err, f"s3://{BUCKET}/cur")


def test_profile_from_isolated_config(
    moto_s3: str, bucket: Callable[..., None], aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket(DATA)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_DEFAULT_REGION")  # it would override the profile's region
    (aws_env / "config").write_text("[profile billing]\nregion = eu-west-1\n")
    (aws_env / "credentials").write_text(
        "[billing]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = secret\n"
    )
    src = source(moto_s3, profile="billing")
    assert src.client.meta.region_name == "eu-west-1"
    assert len(src.list()) == 1


def test_unreachable_endpoint(aws_env: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    uri = f"s3://{BUCKET}/cur"
    with pytest.raises(S3Error) as err:
        S3Source(uri, endpoint_url=endpoint).list()
    assert err.value.code == "EndpointUnreachable"
    assert f"cannot reach {endpoint}" in one_line(err, uri)


@pytest.mark.parametrize("uri", ["s3://", "s3:///cur", "https://bucket/cur"])
def test_bad_uri(uri: str) -> None:
    with pytest.raises(S3Error, match="not an S3 URI"):
        S3Source(uri)


def _use_key(monkeypatch: pytest.MonkeyPatch, key_id: str, secret: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)


@pytest.fixture
def iam_keys(moto_s3: str, bucket: Callable[..., None], request: pytest.FixtureRequest) -> Any:
    """BUCKET holding one CUR file, then moto checking credentials as AWS does."""
    bucket(DATA, b"v1")  # arranged while moto still accepts anything
    return request.getfixturevalue("moto_iam_auth")


def test_iam_reader_reads(
    moto_s3: str, iam_keys: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _use_key(monkeypatch, *iam_keys.reader)
    src = source(moto_s3, cache_dir=tmp_path)
    (ref,) = src.list()
    assert src.local_path(ref).read_bytes() == b"v1"


@pytest.mark.parametrize(
    ("who", "code", "words"),
    [
        ("unknown", "InvalidAccessKeyId", "does not know the access key"),
        ("bad-secret", "SignatureDoesNotMatch", "secret key of"),
        ("nobody", "AccessDenied", "access denied"),
        ("with-token", "InvalidToken", "session token of"),
    ],
)
def test_wrong_credentials(
    moto_s3: str,
    iam_keys: Any,
    monkeypatch: pytest.MonkeyPatch,
    who: str,
    code: str,
    words: str,
) -> None:
    key_id, secret = {
        "unknown": ("AKIAUNKNOWNUNKNOWN00", "secret"),
        "bad-secret": (iam_keys.reader[0], "wrong-secret"),
        "nobody": iam_keys.nobody,
        "with-token": iam_keys.reader,
    }[who]
    _use_key(monkeypatch, key_id, secret)
    if who == "with-token":
        monkeypatch.setenv("AWS_SESSION_TOKEN", "stale-token")
    uri = f"s3://{BUCKET}/cur"
    with pytest.raises(S3Error) as err:
        source(moto_s3).list()
    assert err.value.code == code
    message = one_line(err, uri)
    assert words in message and code in message
    assert "--profile" in message
    assert "credentials in AWS_ACCESS_KEY_ID" in message  # says which credentials failed


def test_expired_token(moto_s3: str) -> None:
    """moto does not expire tokens: stub the answer AWS gives, through the real client."""
    src = source(moto_s3, profile=None)
    with Stubber(src.client) as stub:
        stub.add_client_error(
            "list_objects_v2",
            service_error_code="ExpiredToken",
            service_message="The provided token has expired.",
            http_status_code=400,
        )
        with pytest.raises(S3Error) as err:
            src.list()
    assert err.value.code == "ExpiredToken"
    assert "expired" in one_line(err, f"s3://{BUCKET}/cur")


def test_errors_are_aifinops_errors() -> None:
    assert issubclass(S3Error, InputError) and issubclass(S3Error, AifinopsError)


def test_nothing_written_outside_tmp(aws_env: Path) -> None:
    """The fixtures really isolate AWS config and cache from the user's home."""
    assert os.environ["AWS_CONFIG_FILE"].startswith(str(aws_env))
    assert os.environ["AWS_SHARED_CREDENTIALS_FILE"].startswith(str(aws_env))
    assert os.environ["XDG_CACHE_HOME"].startswith(str(aws_env))
