#pragma once
// The certificate directory sofia-sip's TLS transport reads (tport_tls: `agent.pem` holding the
// private key and the certificate chain, `cafile.pem` holding CAs — sofia will not start TLS
// without it), made from the usual pair of PEM files (e.g. Let's Encrypt's fullchain.pem and
// privkey.pem). Control path: errors are core::ConfigError naming the key.
#include <filesystem>

namespace parley::media::sip {

/// Writes `dir`/agent.pem (key + chain) and `dir`/cafile.pem (the chain, so a self-signed
/// certificate is its own CA) with mode 0600 in a 0700 directory, and returns `dir`. Throws
/// core::ConfigError (sip.tls_certificate / sip.tls_key): a file missing, unreadable, larger
/// than 1 MiB, not PEM of the right kind, or a key readable by group or others.
std::filesystem::path writeSofiaTlsDir(const std::filesystem::path& certificate,
                                       const std::filesystem::path& key,
                                       const std::filesystem::path& dir);

}  // namespace parley::media::sip
