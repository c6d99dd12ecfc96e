"""The Kubernetes example (deploy/kubernetes/) is valid against the Kubernetes API schemas
that kubernetes-validate bundles (offline), and is wired the way the README says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from bot.config import variable

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
# The pod-index label the example reads arrived in 1.28; 1.30 is a version clusters still run.
KUBERNETES = "1.30.0"


def documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(EXAMPLE.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            found.append((f"{path.name}:{document['kind']}", document))
    return found


@pytest.mark.parametrize(("where", "document"), documents(), ids=[w for w, _ in documents()])
def test_every_resource_is_valid_against_the_kubernetes_schema(
    where: str, document: dict[str, Any]
) -> None:
    # strict: a misspelt or misplaced field is an error, not silently ignored.
    kubernetes_validate.validate(document, KUBERNETES, strict=True)


def test_the_validator_rejects_a_misplaced_field() -> None:
    [statefulset] = [d for _, d in documents() if d["kind"] == "StatefulSet"]
    broken = {**statefulset, "spec": {**statefulset["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def test_each_pod_runs_the_shard_of_its_ordinal_with_the_shared_secrets() -> None:
    by_kind = {d["kind"]: d for _, d in documents()}
    statefulset, secret = by_kind["StatefulSet"], by_kind["Secret"]
    [container] = statefulset["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env[variable("shard_count")]["value"] == str(statefulset["spec"]["replicas"])
    shard = env[variable("shard_ids")]["valueFrom"]["fieldRef"]["fieldPath"]
    assert shard == "metadata.labels['apps.kubernetes.io/pod-index']"
    from_secret = {
        name: e["valueFrom"]["secretKeyRef"] for name, e in env.items() if "secretKeyRef" in str(e)
    }
    assert set(from_secret) == {variable("token"), variable("database"), variable("voter_key")}
    for reference in from_secret.values():
        assert reference["name"] == secret["metadata"]["name"]
        assert reference["key"] in secret["stringData"]
    assert container["livenessProbe"]["exec"]["command"] == ["faqbot", "health"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in statefulset["spec"]["template"]["spec"]["volumes"]}
    assert volumes[mounts["/app/faq"]]["configMap"]["name"] == "faqbot-faq"
