"""Who this host is: its name, and the cloud instance it runs on when that can be known.

The instance id is what links GPU hours to the bill. It comes from `[host] instance_id` in
aifinops.toml, else from the EC2 instance metadata service (IMDSv2: a PUT for a token, then a
GET) within a short timeout, so a laptop or an on-prem box starts at once. `[host]
metadata_url` moves the service (tests point it at 127.0.0.1); `metadata = false` or
AIFINOPS_METADATA_URL=off turns the lookup off.
"""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_METADATA_URL = "http://169.254.169.254"
METADATA_ENV = "AIFINOPS_METADATA_URL"
METADATA_TIMEOUT_S = 0.5
TOKEN_TTL_S = "60"


@dataclass(frozen=True)
class HostIdentity:
    host: str
    instance_id: str | None
    provider: str | None
    source: str  # config, ec2-metadata, hostname

    def header(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "provider": self.provider,
                "identity_source": self.source}


def metadata_url(section: dict[str, Any]) -> str | None:
    """The metadata service base URL, or None when the lookup is off."""
    env = os.environ.get(METADATA_ENV)
    if env is not None:
        return None if env.strip().lower() in ("", "off", "false", "0") else env.rstrip("/")
    if section.get("metadata") is False:
        return None
    return str(section.get("metadata_url", DEFAULT_METADATA_URL)).rstrip("/")


def ec2_instance_id(base_url: str, timeout: float = METADATA_TIMEOUT_S) -> str | None:
    """IMDSv2: a session token first, then the instance id; None on any failure or timeout."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        token_request = urllib.request.Request(
            f"{base_url}/latest/api/token", method="PUT",
            headers={"X-aws-ec2-metadata-token-ttl-seconds": TOKEN_TTL_S})
        with opener.open(token_request, timeout=timeout) as response:
            token = response.read().decode().strip()
        id_request = urllib.request.Request(
            f"{base_url}/latest/meta-data/instance-id",
            headers={"X-aws-ec2-metadata-token": token})
        with opener.open(id_request, timeout=timeout) as response:
            instance = response.read().decode().strip()
    except (urllib.error.URLError, OSError, ValueError):
        return None
    return instance or None


def resolve_identity(section: dict[str, Any]) -> HostIdentity:
    """`section` is the `[host]` table of aifinops.toml (name, instance_id, provider, metadata…)."""
    host = str(section.get("name") or socket.gethostname())
    if section.get("instance_id"):
        return HostIdentity(host, str(section["instance_id"]),
                            section.get("provider") or _provider(str(section["instance_id"])),
                            "config")
    url = metadata_url(section)
    if url:
        instance = ec2_instance_id(url, float(section.get("metadata_timeout_s",
                                                          METADATA_TIMEOUT_S)))
        if instance:
            return HostIdentity(host, instance, "aws", "ec2-metadata")
    return HostIdentity(host, None, None, "hostname")


def _provider(instance_id: str) -> str | None:
    return "aws" if instance_id.startswith("i-") else None
