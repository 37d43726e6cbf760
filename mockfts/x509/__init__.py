"""X.509 for the FTS3 double: a test grid PKI, proxy identity, delegation, HTTPS.

Usable without knowing cryptography::

    from mockfts.x509 import TestPKI, TLSLiveServer, identity_from_chain

    pki = TestPKI(tmp_path / "pki")                        # CA + capath + bundle
    proxy = pki.user("/DC=org/DC=example/CN=Test User").proxy(vo="dteam")  # a VOMS AC
    proxy.path, proxy.dn, proxy.user_dn, proxy.fqans, proxy.delegation_id
    pki.vomsdir, pki.voms                                  # X509_VOMS_DIR, the VOMS server

    ident = identity_from_chain(proxy.chain_pem, pki.trusted, clock.now())
    ident.user_dn, ident.dn, ident.voms_cred, ident.vos, ident.roles, ident.delegation_id

    store = DelegationStore()                              # GET .../request, PUT .../credential
    csr_pem = store.request(dlg_id, ident.user_dn, key_size=ident.key_size,
                            voms_cred=ident.voms_cred).csr_pem
    store.put(dlg_id, ident.user_dn, body)                 # raises DelegationError (HTTP 400)

    with TLSLiveServer(app, pki=pki) as server:            # environ["mockfts.x509.identity"]
        requests.get(server.url, cert=str(proxy.path), verify=str(pki.ca_bundle))

Modules: :mod:`~mockfts.x509.names` (slash DNs, OpenSSL subject hash),
:mod:`~mockfts.x509.pki` (minting), :mod:`~mockfts.x509.testpki` (the on-disk PKI),
:mod:`~mockfts.x509.voms` (VOMS attribute certificates),
:mod:`~mockfts.x509.identity` (verification and the FTS identity),
:mod:`~mockfts.x509.delegation` (server side of delegation),
:mod:`~mockfts.x509.tls` (HTTPS server and mod_ssl/gridsite environ),
:mod:`~mockfts.x509.cli` (``make-ca``, ``make-proxy``).
"""

from mockfts.x509.delegation import (
    DelegatedCredential,
    DelegationError,
    DelegationRequest,
    DelegationStore,
    accept_credential,
    new_request,
)
from mockfts.x509.identity import (
    CertificateExpired,
    CertificateNotYetValid,
    CertificateRefused,
    ForgedSignature,
    MalformedChain,
    MalformedProxy,
    UntrustedIssuer,
    X509Identity,
    identity_from_chain,
    identity_from_leaf,
    load_certificates,
    verify_chain,
    vo_from_fqan,
)
from mockfts.x509.names import compat_dn, name_from_slash, slash_dn, subject_hash_hex
from mockfts.x509.pki import (
    CertificateAuthority,
    Credential,
    delegation_id,
    generate_key,
    proxy_type,
    write_ca_bundle,
    write_ca_dir,
)
from mockfts.x509.testpki import TestPKI
from mockfts.x509.tls import IDENTITY_KEY, TLSLiveServer, client_environ, server_ssl_context
from mockfts.x509.voms import UntrustedAttributes, VomsAttributes

__all__ = [
    "IDENTITY_KEY",
    "CertificateAuthority",
    "CertificateExpired",
    "CertificateNotYetValid",
    "CertificateRefused",
    "Credential",
    "DelegatedCredential",
    "DelegationError",
    "DelegationRequest",
    "DelegationStore",
    "ForgedSignature",
    "MalformedChain",
    "MalformedProxy",
    "TLSLiveServer",
    "TestPKI",
    "UntrustedAttributes",
    "UntrustedIssuer",
    "VomsAttributes",
    "X509Identity",
    "accept_credential",
    "client_environ",
    "compat_dn",
    "delegation_id",
    "generate_key",
    "identity_from_chain",
    "identity_from_leaf",
    "load_certificates",
    "name_from_slash",
    "new_request",
    "proxy_type",
    "server_ssl_context",
    "slash_dn",
    "subject_hash_hex",
    "verify_chain",
    "vo_from_fqan",
    "write_ca_bundle",
    "write_ca_dir",
]
