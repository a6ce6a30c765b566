// SIP digest server (sofia auth_module underneath) against Authorization headers computed here
// independently with OpenSSL's MD5 (RFC 2617 §3.2.2), parsed by sofia as the user agent does.
#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <regex>
#include <string>

#include "media/sip/SipDigestServer.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/su_alloc.h>
#pragma GCC diagnostic pop

using namespace parley::media::sip;

namespace {

std::string md5Hex(const std::string& s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 15]);
  }
  return out;
}

std::string param(const std::string& challenge, const std::string& name) {
  std::smatch m;
  std::regex re(name + "=\"?([^\",]*)\"?");
  return std::regex_search(challenge, m, re) ? m[1].str() : "";
}

/// RFC 2617 §3.2.2 request-digest, with qop=auth when `cnonce` is given, else RFC 2069 style.
std::string response(const std::string& user, const std::string& realm, const std::string& pass,
                     const std::string& method, const std::string& uri, const std::string& nonce,
                     const std::string& nc = "", const std::string& cnonce = "") {
  std::string ha1 = md5Hex(user + ":" + realm + ":" + pass);
  std::string ha2 = md5Hex(method + ":" + uri);
  if (cnonce.empty()) return md5Hex(ha1 + ":" + nonce + ":" + ha2);
  return md5Hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
}

/// sofia's parsed Authorization header, as the user agent gets it from an INVITE.
struct Auth {
  su_home_t home[1] = {SU_HOME_INIT(home)};
  sip_authorization_t* h = nullptr;
  explicit Auth(const std::string& value) { h = sip_authorization_make(home, value.c_str()); }
  ~Auth() { su_home_deinit(home); }
};

constexpr const char* kUri = "sip:+15550001111@127.0.0.1:5060";

}  // namespace

TEST_CASE("the test's MD5 digest matches RFC 2617 section 3.5") {
  CHECK(response("Mufasa", "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
                 "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001",
                 "0a4f113b") == "6629fae49393a05397450978507c4ef1");
}

TEST_CASE("no credentials get a 401 challenge with realm, nonce, MD5 and qop=auth") {
  SipDigestServer server("trunk.example", "twilio", "s3cret");
  auto v = server.check(nullptr, "INVITE", nullptr, 0);
  CHECK((v.outcome == SipDigestServer::Outcome::Challenge));
  CHECK(v.status == 401);
  CHECK_FALSE(v.forOurRealm);
  INFO(v.challenge);
  CHECK(v.challenge.rfind("Digest ", 0) == 0);
  CHECK(param(v.challenge, "realm") == "trunk.example");
  CHECK(param(v.challenge, "algorithm") == "MD5");
  CHECK(param(v.challenge, "qop") == "auth");
  CHECK(param(v.challenge, "nonce").size() >= 16);
  CHECK(v.challenge.find("s3cret") == std::string::npos);
  // Every challenge has a fresh nonce (a counter goes into the HMAC).
  CHECK(param(server.challenge(), "nonce") != param(v.challenge, "nonce"));
}

TEST_CASE("a correct qop=auth response is accepted, a wrong password is forbidden") {
  SipDigestServer server("trunk.example", "twilio", "s3cret");
  std::string nonce = param(server.challenge(), "nonce");
  auto header = [&](const std::string& pass) {
    return "Digest username=\"twilio\", realm=\"trunk.example\", nonce=\"" + nonce + "\", uri=\"" +
           kUri + "\", response=\"" +
           response("twilio", "trunk.example", pass, "INVITE", kUri, nonce, "00000001",
                    "7c2a9e1f") +
           "\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"7c2a9e1f\"";
  };
  Auth good(header("s3cret"));
  REQUIRE(good.h);
  auto ok = server.check(good.h, "INVITE", nullptr, 0);
  CHECK((ok.outcome == SipDigestServer::Outcome::Accepted));
  CHECK(ok.forOurRealm);

  Auth bad(header("guess"));
  auto no = server.check(bad.h, "INVITE", nullptr, 0);
  CHECK((no.outcome == SipDigestServer::Outcome::Forbidden));
  CHECK(no.status == 403);
  CHECK(no.forOurRealm);

  // The same credentials for another method do not match (HA2 covers the method).
  auto other = server.check(good.h, "REFER", nullptr, 0);
  CHECK((other.outcome != SipDigestServer::Outcome::Accepted));
}

TEST_CASE("a plain RFC 2069 style response without qop is accepted") {
  SipDigestServer server("parley", "pbx", "pw");
  std::string nonce = param(server.challenge(), "nonce");
  Auth a("Digest username=\"pbx\", realm=\"parley\", nonce=\"" + nonce + "\", uri=\"" + kUri +
         "\", response=\"" + response("pbx", "parley", "pw", "INVITE", kUri, nonce) + "\"");
  auto v = server.check(a.h, "INVITE", nullptr, 0);
  CHECK((v.outcome == SipDigestServer::Outcome::Accepted));
}

TEST_CASE("a forged or foreign nonce is challenged again, not accepted") {
  SipDigestServer server("parley", "pbx", "pw");
  SipDigestServer other("parley", "pbx", "pw");  // another process: another HMAC key
  std::string foreign = param(other.challenge(), "nonce");
  for (const std::string& nonce : {foreign, std::string("dcd98b7102dd2f0e8b11d0f600bfb0c093")}) {
    Auth a("Digest username=\"pbx\", realm=\"parley\", nonce=\"" + nonce + "\", uri=\"" + kUri +
           "\", response=\"" + response("pbx", "parley", "pw", "INVITE", kUri, nonce) + "\"");
    auto v = server.check(a.h, "INVITE", nullptr, 0);
    CHECK((v.outcome == SipDigestServer::Outcome::Challenge));
    CHECK(v.status == 401);
    CHECK_FALSE(v.challenge.empty());
  }
}

TEST_CASE("credentials for another realm are challenged; incomplete ones are a 400") {
  SipDigestServer server("parley", "pbx", "pw");
  std::string nonce = param(server.challenge(), "nonce");
  Auth elsewhere("Digest username=\"pbx\", realm=\"other\", nonce=\"" + nonce + "\", uri=\"" +
                 kUri + "\", response=\"" + response("pbx", "other", "pw", "INVITE", kUri, nonce) +
                 "\"");
  auto v = server.check(elsewhere.h, "INVITE", nullptr, 0);
  CHECK((v.outcome == SipDigestServer::Outcome::Challenge));
  CHECK_FALSE(v.forOurRealm);

  Auth partial("Digest username=\"pbx\", realm=\"parley\", nonce=\"" + nonce + "\", uri=\"" + kUri +
               "\"");
  auto p = server.check(partial.h, "INVITE", nullptr, 0);
  CHECK((p.outcome == SipDigestServer::Outcome::BadRequest));
  CHECK(p.status == 400);
}
