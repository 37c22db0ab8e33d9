"""Certificates as signed Open Badges 3.0 credentials, checked by a verifier written here from the specs
(RFC 8785 JCS, W3C Data Integrity eddsa-jcs-2022, Multikey, base58btc) - none of learnpath's code is used."""
from __future__ import annotations

import copy
import hashlib
import json
import stat

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from learnpath.interop.credentials import jcs
from tests.test_quiz import complete_net_basics

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


# ---- the independent verifier ------------------------------------------------------------------------

def canonical(value) -> str:
    """RFC 8785: no whitespace, object members sorted by their names' UTF-16 code units, strings escaped
    as ECMAScript's JSON.stringify does (section 3.2.2.2), integers in their shortest form."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        out = ['"']
        for ch in value:
            if ch == '"':
                out.append('\\"')
            elif ch == "\\":
                out.append("\\\\")
            elif ch in "\b\f\n\r\t":
                out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
            elif ord(ch) < 0x20:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return "".join(out) + '"'
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        names = sorted(value, key=lambda name: [unit for unit in name.encode("utf-16-be")])
        return "{" + ",".join(canonical(n) + ":" + canonical(value[n]) for n in names) + "}"
    raise AssertionError(f"unexpected JSON value {value!r}")


def b58decode(text: str) -> bytes:
    number = 0
    for ch in text:
        number = number * 58 + ALPHABET.index(ch)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def public_key_of(issuer: dict, method_id: str) -> Ed25519PublicKey:
    method = next(m for m in issuer["verificationMethod"] if m["id"] == method_id)
    assert method["type"] == "Multikey" and method_id in issuer["assertionMethod"]
    multibase = method["publicKeyMultibase"]
    assert multibase[0] == "z"  # base58btc
    decoded = b58decode(multibase[1:])
    assert decoded[:2] == b"\xed\x01" and len(decoded) == 34  # multicodec ed25519-pub
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def verify(document: dict, issuer: dict) -> bool:
    """Data Integrity EdDSA Cryptosuites v1.0, 3.3.2 (Verify Proof, eddsa-jcs-2022)."""
    document = copy.deepcopy(document)
    proof = document.pop("proof")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != "eddsa-jcs-2022":
        return False
    if proof.get("proofPurpose") != "assertionMethod":
        return False
    if not proof["verificationMethod"].startswith(document["issuer"]["id"] + "#"):
        return False
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = document["@context"]
    hash_data = (hashlib.sha256(canonical(options).encode()).digest()
                 + hashlib.sha256(canonical(document).encode()).digest())
    value = proof["proofValue"]
    if not value.startswith("z"):
        return False
    try:
        signature = b58decode(value[1:])
        public_key_of(issuer, proof["verificationMethod"]).verify(signature, hash_data)
    except (InvalidSignature, ValueError):
        return False
    return True


# ---- the tests ---------------------------------------------------------------------------------------

def test_a_certificate_credential_verifies_and_a_changed_byte_does_not(app, client, auth):
    code = complete_net_basics(app, client, auth)
    auth.logout()
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert f'href="/certificates/{code}/credential.json"' in page and "Verifiable credential (JSON)" in page

    response = client.get(f"/certificates/{code}/credential.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    credential = response.get_json()
    issuer = client.get("/.well-known/learnpath-issuer.json").get_json()
    assert client.get("/issuer").get_json() == issuer
    assert issuer["id"] == "http://localhost/issuer" == credential["issuer"]["id"]

    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["validFrom"].endswith("Z")
    subject = credential["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "Ada"
    assert subject["achievement"]["name"] == "Net Basics"
    assert subject["achievement"]["description"] == "Packets and protocols."
    assert subject["achievement"]["criteria"]["narrative"]
    assert credential["credentialStatus"]["id"] == f"http://localhost/certificates/{code}/status"

    assert verify(credential, issuer)
    # Deterministic: the same certificate downloads as the same bytes.
    assert client.get(f"/certificates/{code}/credential.json").data == response.data

    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Adb"  # one byte of the subject
    assert not verify(tampered, issuer)
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Net Basicz"
    assert not verify(tampered, issuer)
    tampered = copy.deepcopy(credential)
    value = tampered["proof"]["proofValue"]
    tampered["proof"]["proofValue"] = value[:10] + ("2" if value[10] != "2" else "3") + value[11:]
    assert not verify(tampered, issuer)
    tampered = copy.deepcopy(credential)
    tampered["proof"]["created"] = "2000-01-01T00:00:00Z"  # the proof options are signed too
    assert not verify(tampered, issuer)
    # Another key (another instance) does not verify it.
    other = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    forged_issuer = copy.deepcopy(issuer)
    alphabet_number = int.from_bytes(b"\xed\x01" + other, "big")
    encoded = ""
    while alphabet_number:
        alphabet_number, digit = divmod(alphabet_number, 58)
        encoded = ALPHABET[digit] + encoded
    forged_issuer["verificationMethod"][0]["publicKeyMultibase"] = "z" + encoded
    assert not verify(credential, forged_issuer)


def test_revocation_shows_in_the_status_list(app, client, auth, runner):
    code = complete_net_basics(app, client, auth)
    status = client.get(f"/certificates/{code}/status").get_json()
    assert status["status"] == "valid" and status["revokedCredentials"] == []
    # "--": a url-safe code starts with "-" one time in 64, which click would read as an option
    assert runner.invoke(args=["certificates", "revoke", "--", code]).exit_code == 0
    status = client.get(f"/certificates/{code}/status").get_json()
    credential = client.get(f"/certificates/{code}/credential.json")
    assert status["status"] == "revoked"
    assert status["revokedCredentials"][0]["id"] == credential.get_json()["id"]
    assert credential.headers["X-Credential-Status"] == "revoked"
    # The signature still holds (it is the same document); the status is what says "no longer valid".
    assert verify(credential.get_json(), client.get("/issuer").get_json())


def test_unknown_certificates_are_404(client):
    for path in ("/certificates/nope/credential.json", "/certificates/nope/status", f"/certificates/{'x' * 300}/status"):
        assert client.get(path).status_code == 404


def test_the_key_is_created_once_private_and_kept(app, make_app, instance_path, client):
    first = client.get("/issuer").get_json()["verificationMethod"][0]["publicKeyMultibase"]
    key_file = instance_path / "issuer-ed25519.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = make_app().test_client().get("/issuer").get_json()["verificationMethod"][0]["publicKeyMultibase"]
    assert again == first  # a restart (another worker) uses the same key


def test_the_key_can_come_from_the_environment(make_app, instance_path):
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    app = make_app(LEARNPATH_ISSUER_KEY=pem, LEARNPATH_BASE_URL="https://learn.example.org/")
    issuer = app.test_client().get("/.well-known/learnpath-issuer.json").get_json()
    assert issuer["id"] == "https://learn.example.org/issuer"
    expected = serialization.load_pem_private_key(pem.encode(), None).public_key()
    assert public_key_of(issuer, "https://learn.example.org/issuer#key-1").public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw) == expected.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert not (instance_path / "issuer-ed25519.pem").exists()


@pytest.mark.parametrize("value, expected", [
    ({"b": 1, "a": [True, None, "x"]}, '{"a":[true,null,"x"],"b":1}'),
    ({"\u20ac": 1, "\r": 2, "1": 3, "\U0001f600": 4, "\u0080": 5, "\ufb33": 6},
     '{"\\r":2,"1":3,"\u0080":5,"\u20ac":1,"\U0001f600":4,"\ufb33":6}'),  # RFC 8785 3.2.3's sort example
    ("tab\tquote\"back\\slash\u001f €", '"tab\\tquote\\"back\\\\slash\\u001f €"'),
])
def test_learnpath_jcs_matches_the_rfc(value, expected):
    assert jcs(value).decode() == expected == canonical(value)
    json.loads(expected)


@pytest.mark.parametrize("settings, host, issuer", [
    ({}, "attacker.example", "http://attacker.example/issuer"),  # unset: the request's host (hence: set it)
    ({"PUBLIC_URL": "https://learn.example.org"}, "attacker.example", "https://learn.example.org/issuer"),
])
def test_public_url_fixes_the_issuer_whatever_host_a_request_names(make_app, settings, host, issuer):
    app = make_app(**settings)
    profile = app.test_client().get("/.well-known/learnpath-issuer.json", headers={"Host": host}).get_json()
    assert profile["id"] == issuer
