"""Certificates as Open Badges 3.0 credentials (W3C Verifiable Credentials 2.0), signed by the instance.

Securing mechanism: a Data Integrity proof with the `eddsa-jcs-2022` cryptosuite (W3C "Data Integrity
EdDSA Cryptosuites v1.0", section 3.3). Chosen over VC-JOSE/JWT because the credential stays the JSON-LD
document that Open Badges 3.0 wallets and validators display and check (OB 3.0 lists both; a JWT hides the
document in a base64 payload), and because JCS needs no JSON-LD processor or network fetch of contexts
(unlike eddsa-rdfc-2022): a verifier needs RFC 8785 canonical JSON, SHA-256 and Ed25519 only.

    proof options = {type, cryptosuite, created, verificationMethod, proofPurpose, @context of the document}
    hashData      = SHA-256(JCS(proof options)) || SHA-256(JCS(document without proof))
    proofValue    = "z" + base58btc(Ed25519 signature of hashData)

The instance key is an Ed25519 key: LEARNPATH_ISSUER_KEY (a PKCS#8 PEM) when set, else generated once into
the instance folder (issuer-ed25519.pem, mode 0600). Its public key is published in the issuer profile
(`/issuer`, also at `/.well-known/learnpath-issuer.json`) as a `Multikey` verification method.
Revocation: `credentialStatus` names `/certificates/<code>/status`, a 1EdTech revocation list for
that credential (`flask certificates revoke` puts it there).
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CRYPTOSUITE = "eddsa-jcs-2022"
KEY_FILE = "issuer-ed25519.pem"
ED25519_MULTICODEC = b"\xed\x01"  # multicodec ed25519-pub, varint-encoded
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


# ---- JCS (RFC 8785) and base58btc -----------------------------------------------------------------

def jcs(value: Any) -> bytes:
    """RFC 8785 canonical JSON. Our documents hold no floats (scores are strings), so numbers are integers,
    which serialize alike in ECMAScript and Python; a float is refused rather than risk a mismatch."""
    return _jcs(value).encode("utf-8")


def _jcs(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise ValueError("integers beyond 2**53 have no exact JCS form")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ValueError("JCS floats are not used in learnpath credentials")
        return str(int(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # escapes exactly ", \\ and C0 controls, as ECMAScript
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))  # RFC 8785: by UTF-16 code units
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _jcs(value[k]) for k in keys) + "}"
    raise TypeError(f"not JSON: {type(value).__name__}")


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = BASE58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


# ---- the instance key ------------------------------------------------------------------------------

def load_or_create_key(instance_path: str | Path, pem: str | None = None) -> Ed25519PrivateKey:
    """The issuer key: from `pem` (the env setting) if given, else the instance file, created once.

    Creation is race-free across processes: the key is written to a private temp file and linked into
    place; whoever links second reads the winner's key."""
    if pem:
        key = serialization.load_pem_private_key(pem.replace("\\n", "\n").encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("LEARNPATH_ISSUER_KEY must be an Ed25519 private key (PKCS#8 PEM)")
        return key
    path = Path(instance_path) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".issuer-key.")  # mkstemp: mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(fresh)
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def public_multibase(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc(ED25519_MULTICODEC + raw)


# ---- documents -------------------------------------------------------------------------------------

def iso(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_profile(base: str, public: Ed25519PublicKey, name: str = "learnpath") -> dict[str, Any]:
    issuer_id = f"{base}/issuer"
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer_id,
        "type": ["Profile"],
        "name": name,
        "url": f"{base}/",
        "verificationMethod": [{
            "id": f"{issuer_id}#key-1",
            "type": "Multikey",
            "controller": issuer_id,
            "publicKeyMultibase": public_multibase(public),
        }],
        "assertionMethod": [f"{issuer_id}#key-1"],
    }


def credential(base: str, certificate: Any, summary: str, name: str = "learnpath") -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of a certificate (learnpath.progress.services.Certificate)."""
    code = certificate.verification_id
    if certificate.tested:
        narrative = ("Read every lesson of the course and passed its quiz, then passed the final course test "
                     "(questions drawn across every lesson).")
    else:
        narrative = "Read every lesson of the course and passed its practice quiz."
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                        "identityHash": certificate.learner}],
        "achievement": {
            "id": f"{base}/courses/{certificate.course_slug}#certificate",
            "type": ["Achievement"],
            "achievementType": "Certificate",
            "name": certificate.course_title,
            "description": summary or certificate.course_title,
            "criteria": {"narrative": narrative},
        },
    }
    if certificate.percent is not None:
        subject["narrative"] = f"Score: {round(certificate.percent)}%."
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"{base}/certificates/{code}/credential.json",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Certificate of completion: {certificate.course_title}",
        "issuer": {"id": f"{base}/issuer", "type": ["Profile"], "name": name, "url": f"{base}/"},
        "validFrom": iso(certificate.completed_at),
        "credentialSubject": subject,
        "credentialStatus": {"id": f"{base}/certificates/{code}/status", "type": "1EdTechRevocationList"},
    }


def sign(document: dict[str, Any], key: Ed25519PrivateKey, verification_method: str, created: datetime) -> dict[str, Any]:
    """The document with an eddsa-jcs-2022 DataIntegrityProof (deterministic: Ed25519 signatures are)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {"type": "DataIntegrityProof", "cryptosuite": CRYPTOSUITE, "created": iso(created),
               "verificationMethod": verification_method, "proofPurpose": "assertionMethod"}
    config = {**options, "@context": unsecured["@context"]}
    hash_data = hashlib.sha256(jcs(config)).digest() + hashlib.sha256(jcs(unsecured)).digest()
    proof = {**options, "proofValue": "z" + base58btc(key.sign(hash_data))}
    return {**unsecured, "proof": proof}


def revocation_list(base: str, certificate: Any) -> dict[str, Any]:
    """The 1EdTech revocation list the credential's credentialStatus names (this credential only)."""
    code = certificate.verification_id
    revoked = []
    if certificate.revoked_at is not None:
        revoked.append({"id": f"{base}/certificates/{code}/credential.json", "revocationReason": "Revoked by the issuer",
                        "revokedAt": iso(certificate.revoked_at)})
    return {"id": f"{base}/certificates/{code}/status", "issuer": f"{base}/issuer",
            "status": "revoked" if revoked else "valid", "revokedCredentials": revoked}
