// Rules of the fleet block: where etcd is, how to reach it (TLS, credentials, timeouts), this
// node's name and the fleet's budget. The names end up in etcd keys and in every operator's
// `fleet` table, so they are checked as strictly as service names.
#include <algorithm>
#include <cctype>

#include "sidecar/config/config_names.hpp"
#include "sidecar/config/config_sections.hpp"

namespace sidecar::config_detail {
namespace {

constexpr std::size_t kMaxEndpoints = 16;

bool valid_node_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char ch) {
                       return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
                     }) &&
         name != "." && name != "..";
}

// "http://host:port" or "https://host:port" (host a name, an IPv4 address or [IPv6]); no path,
// no user, no query: etcd's client URLs as etcd itself prints them.
std::string endpoint_problem(const std::string& url, EtcdEndpoint* out) {
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    out->tls = false;
    rest = url.substr(7);
  } else if (url.rfind("https://", 0) == 0) {
    out->tls = true;
    rest = url.substr(8);
  } else {
    return "must start with http:// or https:// (an etcd client URL, e.g. "
           "\"http://127.0.0.1:2379\")";
  }
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find_first_of("/@?#") != std::string::npos) {
    return "must be scheme://host:port only (no path, user or query)";
  }
  std::string host, port;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) return "an IPv6 address needs its closing ']'";
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return "expected ':' and a port after ']'";
      port = rest.substr(close + 2);
    }
  } else {
    auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (host.empty()) return "names no host";
  out->port = 2379;
  if (!port.empty() || rest.find(':') != std::string::npos) {
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](unsigned char ch) { return std::isdigit(ch); }) ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return "the port must be a number from 1 to 65535";
    }
    out->port = static_cast<std::uint16_t>(std::stoi(port));
  }
  out->host = host;
  out->url = url;
  return {};
}

void parse_endpoints(Checker& c, const json& f, FleetConfig* out) {
  const auto* list = c.array(f, "endpoints", "fleet");
  if (!list) {
    if (!f.contains("endpoints")) {
      c.add("fleet.endpoints",
            "is required: the etcd client URLs, e.g. [\"http://10.0.0.1:2379\"]");
    }
    return;
  }
  if (list->empty()) {
    c.add("fleet.endpoints", "must name at least one etcd client URL");
    return;
  }
  if (list->size() > kMaxEndpoints) {
    c.add("fleet.endpoints", "at most " + std::to_string(kMaxEndpoints) + " endpoints");
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto path = Checker::index("fleet", "endpoints", i);
    const auto& e = (*list)[i];
    if (!e.is_string()) {
      c.add(path, "must be a string, not " + type_name(e));
      continue;
    }
    EtcdEndpoint ep;
    auto url = e.get<std::string>();
    if (auto problem = text_problem(url); !problem.empty()) {
      c.add(path, problem);
    } else if (auto p = endpoint_problem(url, &ep); !p.empty()) {
      c.add(path, "\"" + url + "\" " + p);
    } else {
      out->endpoints.push_back(ep);
    }
  }
  if (out->endpoints.size() == list->size()) {
    auto tls = out->endpoints.front().tls;
    for (const auto& ep : out->endpoints) {
      if (ep.tls != tls) {
        c.add("fleet.endpoints", "mixes http:// and https://: use one scheme for every member");
        break;
      }
    }
  }
}

void parse_prefix(Checker& c, const json& f, FleetConfig* out) {
  if (!c.string(f, "prefix", "fleet", &out->prefix)) return;
  const auto& p = out->prefix;
  if (p.front() != '/' || p.size() < 2 || p.back() == '/' || p.size() > 200 ||
      p.find("//") != std::string::npos) {
    c.add("fleet.prefix", "\"" + p +
                              "\" must be a key path like \"/anycast-sidecar/dns-eu\": starting "
                              "with /, no trailing / or //, at most 200 bytes");
  }
}

void parse_tls_and_credentials(Checker& c, const json& f, FleetConfig* out) {
  c.string(f, "ca_file", "fleet", &out->ca_file);
  bool cert = c.string(f, "cert_file", "fleet", &out->cert_file);
  bool key = c.string(f, "key_file", "fleet", &out->key_file);
  if (cert != key && f.contains(cert ? "cert_file" : "key_file")) {
    c.add(cert ? "fleet.key_file" : "fleet.cert_file",
          "is required with fleet." + std::string(cert ? "cert_file" : "key_file") +
              " (a client certificate and its key go together)");
  }
  bool tls_files = !out->ca_file.empty() || !out->cert_file.empty() || !out->key_file.empty();
  bool https = !out->endpoints.empty() && out->endpoints.front().tls;
  if (tls_files && !out->endpoints.empty() && !https) {
    c.add("fleet.endpoints", "ca_file, cert_file and key_file need https:// endpoints");
  }
  bool user = c.string(f, "username", "fleet", &out->username);
  bool pass = c.string(f, "password", "fleet", &out->password);
  bool pass_file = c.string(f, "password_file", "fleet", &out->password_file);
  if (pass && pass_file) {
    c.add("fleet.password_file", "give password or password_file, not both");
  }
  if (user && !pass && !pass_file && !f.contains("password") && !f.contains("password_file")) {
    c.add("fleet.username", "needs password or password_file");
  }
  if (!user && (pass || pass_file) && !f.contains("username")) {
    c.add("fleet.username", "is required with a password");
  }
}

}  // namespace

void parse_fleet(Checker& c, const json& f, const std::string& host_name, FleetConfig* out) {
  c.known_keys(
      f, "fleet",
      {"endpoints", "prefix", "node", "max_unavailable", "min_announcing", "ca_file", "cert_file",
       "key_file", "username", "password", "password_file", "request_timeout_ms", "lease_ttl_s"});
  parse_endpoints(c, f, out);
  parse_prefix(c, f, out);
  if (c.string(f, "node", "fleet", &out->node)) {
    if (!valid_node_name(out->node)) {
      c.add("fleet.node", "\"" + out->node +
                              "\" must be 1-63 letters, digits, '.', '_' or '-' (it is part of "
                              "the fleet's etcd keys)");
    }
  } else if (!f.contains("node")) {
    // A host name is usually a valid node name; a strange one is reported as such.
    out->node = host_name;
    if (!valid_node_name(out->node)) {
      c.add("fleet.node", "the host name \"" + host_name +
                              "\" is not usable as a node name: set fleet.node (1-63 letters, "
                              "digits, '.', '_' or '-')");
    }
  }
  if (auto v = c.integer(f, "max_unavailable", "fleet", 0, 10000)) {
    out->max_unavailable = static_cast<int>(*v);
  }
  if (auto v = c.integer(f, "min_announcing", "fleet", 0, 10000)) {
    out->min_announcing = static_cast<int>(*v);
  }
  parse_tls_and_credentials(c, f, out);
  c.millis(f, "request_timeout_ms", "fleet", &out->request_timeout, 100, 60000);
  // A keepalive's own deadline is the shorter of request_timeout_ms and a third of the TTL, so
  // the two need no rule between them.
  if (auto v = c.integer(f, "lease_ttl_s", "fleet", 2, 300)) {
    out->lease_ttl = std::chrono::seconds(*v);
  }
}

}  // namespace sidecar::config_detail
