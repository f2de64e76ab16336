"""The platform's side of identity, as a real platform does it: key pairs (RS256, ES256, EdDSA),
the JWKS the stack fetches over http (MESSAGING_TEST_JWKS_DIR/jwks.json, replaced atomically), and
tokens signed with those keys. Signing uses `cryptography`; nothing here trusts the server."""
import base64
import json
import os
import time
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from conftest import AUDIENCE, BASE_URL, ISSUER

JWKS_DIR = os.environ.get("MESSAGING_TEST_JWKS_DIR", "var/test/jwks")


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return b64(n.to_bytes(size, "big"))


class PlatformKey:
    def __init__(self, alg, kid=None):
        self.alg = alg
        self.kid = kid or f"{alg.lower()}-{uuid.uuid4().hex[:8]}"
        if alg == "RS256":
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
        elif alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(alg)

    def jwk(self, include_alg=True):
        public = self.private.public_key()
        if self.alg == "RS256":
            numbers = public.public_numbers()
            key = {"kty": "RSA", "n": _int(numbers.n), "e": _int(numbers.e)}
        elif self.alg == "ES256":
            numbers = public.public_numbers()
            key = {"kty": "EC", "crv": "P-256", "x": _int(numbers.x, 32), "y": _int(numbers.y, 32)}
        else:
            from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
            key = {"kty": "OKP", "crv": "Ed25519", "x": b64(public.public_bytes(Encoding.Raw, PublicFormat.Raw))}
        key.update({"kid": self.kid, "use": "sig"})
        if include_alg:
            key["alg"] = self.alg
        return key

    def sign_bytes(self, data):
        if self.alg == "RS256":
            return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())
        if self.alg == "ES256":
            r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return self.private.sign(data)

    def token(self, claims, header=None, alg=None, kid="default"):
        """A token signed with this key; claims get iss, aud and a 10-minute exp unless given
        (a claim set to None is left out)."""
        full = {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600, **claims}
        full = {k: v for k, v in full.items() if v is not None}
        head = {"alg": alg or self.alg, "typ": "JWT", "kid": self.kid if kid == "default" else kid}
        head = {k: v for k, v in {**head, **(header or {})}.items() if v is not None}
        signing_input = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(full).encode())}"
        return signing_input + "." + b64(self.sign_bytes(signing_input.encode()))


def publish(*keys, raw=None):
    """Replaces the JWKS the stack fetches (atomically: a reader never sees half a file)."""
    os.makedirs(JWKS_DIR, exist_ok=True)
    text = raw if raw is not None else json.dumps({"keys": [k.jwk() if isinstance(k, PlatformKey) else k for k in keys]})
    tmp = os.path.join(JWKS_DIR, f".jwks.{os.getpid()}.tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, os.path.join(JWKS_DIR, "jwks.json"))


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def eventually(check, timeout=8.0, interval=0.2):
    """Polls `check` (returns a truthy value when done) for at most `timeout` seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    return check()


def new_sub(prefix="mt"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def new_numeric_sub():
    # Far above the ids the tests' sequence hands out.
    return str(5_000_000_000 + int(uuid.uuid4().int % 1_000_000_000))
