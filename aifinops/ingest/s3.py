"""An `ObjectSource` over an S3 prefix, so CUR exports are read where AWS delivers them.

Ingest works on local files (DuckDB reads them fastest), so objects are downloaded into a cache
keyed by ETag: a daily `aifinops sync` downloads only what AWS restated since the last run. The
boto3 client is the real one with the standard credential chain, so whatever works for the AWS
CLI (env vars, `~/.aws`, SSO, instance roles) works here; `endpoint_url` serves S3-compatible
stores (MinIO, R2, a moto server in tests).

Every botocore failure becomes an `S3Error` (an `InputError`): one sentence naming the URI, what
went wrong, and what to try, never a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TypeVar
from urllib.parse import urlsplit

from aifinops.errors import InputError
from aifinops.ingest.objects import ObjectRef

# Objects AWS writes next to the data that a CUR reader must not treat as data: the test object
# written when an export is created, Redshift/QuickSight sidecars and the status folder
# (the same exclusions AWS's own CID crawlers use, FORMATS.md §1.2).
IGNORED_KEY = re.compile(
    r"(?:^|/)aws-programmatic-access-test-object$"
    r"|\.csv\.metadata$"
    r"|(?:^|/)cost_and_usage_data_status/"
)

# Suffix of the file beside each cached object that records the ETag it was downloaded at.
SIDECAR_SUFFIX = ".aifinops-etag"

_CHUNK = 1 << 20

# What S3 answers when a request went to the wrong region (boto3 follows most redirects itself).
WRONG_REGION_CODES = frozenset(
    {"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"}
)

# botocore's names for where credentials came from, as a user would say it.
CREDENTIAL_ORIGINS = {
    "env": "the credentials in AWS_ACCESS_KEY_ID",
    "shared-credentials-file": "the default profile in ~/.aws/credentials",
    "config-file": "the default profile in ~/.aws/config",
    "sso": "the SSO credentials of the default profile",
    "assume-role": "the assumed role of the default profile",
    "iam-role": "the instance role",
    "container-role": "the container role",
}

T = TypeVar("T")


class S3Error(InputError):
    """An S3 object or prefix that cannot be read; `code` says why (for callers and tests)."""

    def __init__(self, uri: str, problem: str, *, code: str) -> None:
        super().__init__(uri, problem)
        self.code = code


def is_ignored_key(key: str) -> bool:
    """True for objects AWS puts beside CUR data that are not billing data."""
    return bool(IGNORED_KEY.search(key))


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key-or-prefix) of `s3://bucket/prefix`; the prefix may be empty."""
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc:
        raise S3Error(uri, "not an S3 URI: expected s3://bucket/prefix", code="BadUri")
    # Query and fragment are not special in S3 keys: put them back.
    rest = uri[len("s3://") + len(parts.netloc) :]
    return parts.netloc, rest.lstrip("/")


@functools.cache
def _service_model_loader() -> Any:
    from botocore.loaders import create_loader

    return create_loader()


def new_boto3_session(*, profile: str | None = None, region: str | None = None) -> Any:
    """A fresh boto3 Session (own credential chain) that shares parsed service models.

    Each new Session re-reads botocore's JSON models, ~0.2 s for S3; sharing the loader makes
    every session after the first nearly free (a TUI that syncs often, a test suite).
    """
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    core.register_component("data_loader", _service_model_loader())
    return boto3.Session(botocore_session=core, profile_name=profile, region_name=region)


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/aifinops/s3` (or `~/.cache/...`): downloads survive between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "aifinops" / "s3"


class S3Source:
    """Objects under `s3://bucket/prefix`, listed with their ETags and cached on disk by ETag.

    `profile`, `region` and `endpoint_url` mean what they mean to the AWS CLI. `cache_dir` is the
    folder above `<bucket>/<key>` (default `default_cache_dir()`). `page_size` caps keys per
    ListObjectsV2 call (S3's own limit is 1000); only tests need it. `downloads` and
    `bytes_downloaded` count what this instance fetched, so callers can report it.
    """

    def __init__(
        self,
        uri: str,
        *,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        cache_dir: Path | None = None,
        page_size: int | None = None,
    ) -> None:
        self.bucket, prefix = parse_s3_uri(uri)
        # A prefix names a folder: without the slash, "cur/x" would also list "cur/x-old/".
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.root_uri = f"s3://{self.bucket}/{self.prefix.rstrip('/')}".rstrip("/")
        self.profile = profile
        self.endpoint_url = endpoint_url
        self.cache_dir = (cache_dir or default_cache_dir()).expanduser()
        self.page_size = page_size
        self.downloads = 0
        self.bytes_downloaded = 0
        self._session: Any = None
        self.client: Any = self._make_client(region)

    # -- client and errors ---------------------------------------------------------------------

    def _make_client(self, region: str | None) -> Any:
        """A real boto3 S3 client; profile problems surface here, credentials at first call."""
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError

        try:
            self._session = new_boto3_session(profile=self.profile, region=region)
            return self._session.client(
                "s3",
                endpoint_url=self.endpoint_url,
                # Retries follow the user's AWS config (AWS_MAX_ATTEMPTS / AWS_RETRY_MODE);
                # only fail fast on an endpoint that does not answer at all.
                config=Config(connect_timeout=10, read_timeout=120),
            )
        except BotoCoreError as exc:
            self._raise(exc, self.root_uri)

    def _credential_hint(self) -> str:
        """Where the failing credentials came from, so the user knows which ones to fix."""
        if self.profile:
            return f"profile '{self.profile}'"
        try:
            creds = self._session.get_credentials() if self._session is not None else None
        except Exception:  # the hint must never hide the real error
            creds = None
        method = str(getattr(creds, "method", "") or "")
        return CREDENTIAL_ORIGINS.get(method, f"the {method or 'default'} credentials")

    def _raise(self, exc: Exception, uri: str) -> NoReturn:
        """Turn a botocore exception into one clear `S3Error` naming `uri`."""
        from botocore import exceptions as bce

        if isinstance(exc, bce.ProfileNotFound):
            raise S3Error(
                uri,
                f"AWS profile '{self.profile}' is not defined in ~/.aws/config or "
                "~/.aws/credentials (or AWS_CONFIG_FILE); check --profile",
                code="ProfileNotFound",
            ) from exc
        if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
            raise S3Error(
                uri,
                "no AWS credentials found: pass --profile, set AWS_PROFILE or "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws configure`",
                code="NoCredentials",
            ) from exc
        if isinstance(exc, bce.SSOError | bce.TokenRetrievalError):
            raise S3Error(
                uri,
                f"the AWS SSO session for {self._credential_hint()} has expired or is missing: "
                "run `aws sso login` (with --profile) and try again",
                code="SSOTokenExpired",
            ) from exc
        if isinstance(exc, bce.EndpointConnectionError | bce.ConnectTimeoutError):
            where = self.endpoint_url or "the S3 endpoint"
            raise S3Error(
                uri,
                f"cannot reach {where} ({type(exc).__name__}): check the network"
                + (" and --endpoint-url" if self.endpoint_url else " and --region"),
                code="EndpointUnreachable",
            ) from exc
        if isinstance(exc, bce.ClientError):
            raise self._client_error(exc, uri) from exc
        if isinstance(exc, bce.BotoCoreError):
            raise S3Error(uri, f"S3 request failed: {exc}", code=type(exc).__name__) from exc
        raise exc

    def _client_error(self, exc: Any, uri: str) -> S3Error:
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = str(error.get("Message") or exc)
        who = self._credential_hint()
        auth_help = "check them or pass --profile for an account that can read the bucket"
        if code == "InvalidAccessKeyId":
            problem = f"AWS does not know the access key of {who} (InvalidAccessKeyId): {auth_help}"
        elif code == "SignatureDoesNotMatch":
            problem = (
                f"the secret key of {who} does not match its access key (SignatureDoesNotMatch): {auth_help}"
            )
        elif code in {"ExpiredToken", "InvalidToken", "TokenRefreshRequired"}:
            problem = (
                f"the session token of {who} is expired or invalid ({code}): refresh it "
                "(e.g. `aws sso login`) or pass --profile"
            )
        elif code in {"AccessDenied", "AllAccessDisabled", "403"} or (not code and status == 403):
            problem = (
                f"access denied to {who} (AccessDenied): it needs s3:ListBucket and "
                "s3:GetObject on this bucket; pass --profile for one that has them"
            )
        elif code == "NoSuchBucket":
            problem = f"no such bucket '{self.bucket}' (check the name, --region, --endpoint-url)"
        elif code in {"NoSuchKey", "404"} or (not code and status == 404):
            problem = "the object is gone (deleted since it was listed?): run the command again"
        elif code in {"PreconditionFailed", "412"}:
            problem = "the object changed while it was being read (AWS refreshed it?): run again"
        elif code in WRONG_REGION_CODES:
            problem = f"the bucket is in another region ({code}): pass --region"
        else:
            problem = f"S3 answered {code or status}: {message}"
        return S3Error(uri, problem, code=code or str(status))

    def _call(self, uri: str, fn: Callable[[], T]) -> T:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn()
        except (BotoCoreError, ClientError) as exc:
            self._raise(exc, uri)

    # -- ObjectSource --------------------------------------------------------------------------

    def _pages(self) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        config = {"PageSize": self.page_size} if self.page_size else {}
        yield from paginator.paginate(Bucket=self.bucket, Prefix=self.prefix, PaginationConfig=config)

    def _ref(self, key: str, size: int, etag: str, relative: str) -> ObjectRef:
        return ObjectRef(uri=f"s3://{self.bucket}/{key}", key=relative, size=size, etag=etag.strip('"'))

    def list(self) -> list[ObjectRef]:
        """Every object under the prefix (all pages), less what AWS writes that is not data.

        Raises when nothing is there: on S3 an absent prefix and an empty one look the same, and
        both almost always mean a wrong URI.
        """
        refs: list[ObjectRef] = []
        ignored = 0
        for page in self._call(self.root_uri, lambda: list(self._pages())):
            for obj in page.get("Contents", []):
                key = str(obj["Key"])
                relative = key[len(self.prefix) :]
                if key.endswith("/"):  # a console "folder" placeholder
                    continue
                if is_ignored_key(relative):
                    ignored += 1
                    continue
                refs.append(self._ref(key, int(obj["Size"]), str(obj["ETag"]), relative))
        if not refs and self.prefix:
            single = self._single_object()
            if single is not None:
                return [single]
        if not refs:
            only = f" (only {ignored} AWS test/status objects)" if ignored else ""
            raise S3Error(
                self.root_uri,
                f"no CUR exports under this prefix{only}: expected "
                "<export>/data/BILLING_PERIOD=YYYY-MM/ below it (CUR 2.0) or legacy "
                "<report>/YYYYMMDD-YYYYMMDD/<report>-Manifest.json",
                code="Empty",
            )
        return refs

    def _single_object(self) -> ObjectRef | None:
        """The URI may name one object rather than a folder, as a local path may name a file."""
        from botocore.exceptions import BotoCoreError, ClientError

        key = self.prefix.rstrip("/")
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 404:
                return None
            self._raise(exc, self.root_uri)
        except BotoCoreError as exc:
            self._raise(exc, self.root_uri)
        return self._ref(key, int(head["ContentLength"]), str(head["ETag"]), key.rsplit("/", 1)[-1])

    def _key_of(self, ref: ObjectRef) -> str:
        bucket, key = parse_s3_uri(ref.uri)
        if bucket != self.bucket or not key:
            raise S3Error(ref.uri, f"not an object of {self.root_uri}", code="BadUri")
        return key

    def cache_path(self, ref: ObjectRef) -> Path:
        """Where `ref` is cached: `<cache_dir>/<bucket>/<key>`, kept inside the cache folder."""
        key = self._key_of(ref)
        parts = [p for p in key.split("/") if p not in ("", ".")]
        # S3 keys may hold "..": quote such parts so no key can write outside the cache.
        parts = ["%2E%2E" if p == ".." else p for p in parts]
        return self.cache_dir.joinpath(self.bucket, *parts)

    def _cached(self, path: Path, ref: ObjectRef) -> bool:
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            return bool(
                meta.get("etag") == ref.etag
                and meta.get("size") == ref.size
                and path.stat().st_size == ref.size
            )
        except (OSError, ValueError, AttributeError):
            return False

    def local_path(self, ref: ObjectRef) -> Path:
        """The object as a local file, downloaded only if the cache lacks this ETag.

        The download goes to a temporary name and is renamed into place, and the ETag sidecar is
        removed before and written after the rename: a sidecar always describes the file beside
        it, so a killed download means a fresh download next time, never a half file read as
        whole. `IfMatch` makes S3 refuse bytes of any version but the one that was listed.
        """
        path = self.cache_path(ref)
        if self._cached(path, ref):
            return path
        key = self._key_of(ref)
        path.parent.mkdir(parents=True, exist_ok=True)
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                size = self._call(ref.uri, lambda: self._download(key, ref.etag, out))
            if size != ref.size:
                raise S3Error(
                    ref.uri,
                    f"downloaded {size} bytes but S3 listed {ref.size}: run the command again",
                    code="SizeMismatch",
                )
            sidecar.unlink(missing_ok=True)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        self._write_sidecar(sidecar, ref)
        self.downloads += 1
        self.bytes_downloaded += size
        return path

    def _download(self, key: str, etag: str, out: BinaryIO) -> int:
        """Stream one object version into `out`; returns the bytes written."""
        response = self.client.get_object(Bucket=self.bucket, Key=key, IfMatch=f'"{etag}"')
        size = 0
        for chunk in response["Body"].iter_chunks(_CHUNK):
            out.write(chunk)
            size += len(chunk)
        return size

    @staticmethod
    def _write_sidecar(sidecar: Path, ref: ObjectRef) -> None:
        fd, tmp_name = tempfile.mkstemp(dir=sidecar.parent, prefix=f".{sidecar.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"etag": ref.etag, "size": ref.size, "uri": ref.uri}, out)
            os.replace(tmp_name, sidecar)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)

    def read_bytes(self, ref: ObjectRef) -> bytes:
        """A small object's bytes straight from S3 (manifests), pinned to the listed ETag."""
        key = self._key_of(ref)

        def fetch() -> bytes:
            response = self.client.get_object(Bucket=self.bucket, Key=key, IfMatch=f'"{ref.etag}"')
            data: bytes = response["Body"].read()
            return data

        return self._call(ref.uri, fetch)
