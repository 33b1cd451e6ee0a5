"""A demo PKI for development and tests: a CA that says it is not valid, the organisation's seal
certificate, and (tests only) a time-stamping authority certificate, all issued by that CA.

Never use these in production: the real seal certificate comes from a qualified provider (FNMT-RCM,
for example) and is configured with SEAL_PKCS12_PATH / SEAL_PKCS12_PASSWORD / SEAL_TRUST_ROOTS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["DEMO_CA_NAME", "DEMO_SEAL_NAME", "DemoPki", "DemoSealFiles", "build_demo_pki", "write_demo_seal"]

DEMO_CA_NAME = "Oficina Virtual DEMO CA — NO VÁLIDA"
DEMO_SEAL_NAME = "SELLO DE DEMOSTRACIÓN — Oficina Virtual"
DEMO_TSA_NAME = "TSA DE DEMOSTRACIÓN — Oficina Virtual"
PKCS12_NAME = "seal.p12"
CA_PEM_NAME = "ca.pem"
_KEY_SIZE = 2048


@dataclass(frozen=True)
class Issued:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    def asn1crypto_certificate(self):
        from asn1crypto import x509 as asn1_x509

        return asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))

    def asn1crypto_key(self):
        from asn1crypto import keys as asn1_keys

        der = self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return asn1_keys.PrivateKeyInfo.load(der)


@dataclass(frozen=True)
class DemoPki:
    ca: Issued
    seal: Issued
    tsa: Issued | None


@dataclass(frozen=True)
class DemoSealFiles:
    pkcs12_path: Path
    ca_pem_path: Path
    created: bool


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _key_usage(**enabled: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
         "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"], False)
    flags.update(enabled)
    return x509.KeyUsage(**flags)


def _issue(*, subject: x509.Name, key: rsa.RSAPrivateKey, issuer: Issued | None, years: int,
           extensions: list[tuple[x509.ExtensionType, bool]]) -> Issued:
    now = dt.datetime.now(dt.timezone.utc)
    issuer_name = issuer.certificate.subject if issuer else subject
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return Issued(key=key, certificate=builder.sign(signing_key, hashes.SHA256()))


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=_KEY_SIZE)


def build_demo_pki(*, organisation: str = "Oficina Virtual (demostración)", with_tsa: bool = False) -> DemoPki:
    """Keys and certificates in memory: CA, seal (digitalSignature + nonRepudiation), optional TSA."""
    ca_key = _new_key()
    ca = _issue(
        subject=_name(DEMO_CA_NAME, organisation), key=ca_key, issuer=None, years=10,
        extensions=[(x509.BasicConstraints(ca=True, path_length=0), True),
                    (_key_usage(key_cert_sign=True, crl_sign=True), True)],
    )
    seal = _issue(
        subject=_name(DEMO_SEAL_NAME, organisation), key=_new_key(), issuer=ca, years=5,
        extensions=[(x509.BasicConstraints(ca=False, path_length=None), True),
                    (_key_usage(digital_signature=True, content_commitment=True), True)],
    )
    tsa = None
    if with_tsa:
        tsa = _issue(
            subject=_name(DEMO_TSA_NAME, organisation), key=_new_key(), issuer=ca, years=5,
            extensions=[(x509.BasicConstraints(ca=False, path_length=None), True),
                        (_key_usage(digital_signature=True, content_commitment=True), True),
                        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)],
        )
    return DemoPki(ca=ca, seal=seal, tsa=tsa)


def write_pkcs12(pki: DemoPki, directory: Path, *, password: str) -> DemoSealFiles:
    """Write `seal.p12` (seal key + certificate + CA) and `ca.pem` under `directory` (0700/0600)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    pkcs12_path, ca_pem_path = directory / PKCS12_NAME, directory / CA_PEM_NAME
    blob = pkcs12.serialize_key_and_certificates(
        name=b"seal", key=pki.seal.key, cert=pki.seal.certificate, cas=[pki.ca.certificate],
        encryption_algorithm=serialization.BestAvailableEncryption(password.encode()),
    )
    pkcs12_path.write_bytes(blob)
    pkcs12_path.chmod(0o600)
    ca_pem_path.write_bytes(pki.ca.certificate.public_bytes(serialization.Encoding.PEM))
    return DemoSealFiles(pkcs12_path=pkcs12_path, ca_pem_path=ca_pem_path, created=True)


def write_demo_seal(directory: Path, *, password: str, organisation: str) -> DemoSealFiles:
    """Create the demo seal under `directory` unless it is already there (idempotent: keeps it)."""
    pkcs12_path, ca_pem_path = directory / PKCS12_NAME, directory / CA_PEM_NAME
    if pkcs12_path.exists() and ca_pem_path.exists():
        return DemoSealFiles(pkcs12_path=pkcs12_path, ca_pem_path=ca_pem_path, created=False)
    return write_pkcs12(build_demo_pki(organisation=organisation), directory, password=password)
