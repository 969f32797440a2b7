#pragma once
// Each section's rules, written with the generic Checker (config_fields.hpp). Internal to the
// config loader: config.cpp walks the root and calls these.
#include <string>

#include "sidecar/config/config.hpp"
#include "sidecar/config/config_fields.hpp"

namespace sidecar::config_detail {

// config_routes.cpp: services[i].routes[j]
void parse_route(Checker& c, const json& r, const std::string& path, RouteConfig* out);
// config_checks.cpp: services[i].checks[j] (index: j, for the default name)
void parse_check(Checker& c, const json& j, const std::string& path, std::size_t index,
                 CheckConfig* out);
// config_services.cpp: services[i]
void parse_service(Checker& c, const json& s, const std::string& path, const Config& config,
                   ServiceConfig* out);
// config_fleet.cpp: the fleet block (default node: host_name, the caller's gethostname()).
void parse_fleet(Checker& c, const json& f, const std::string& host_name, FleetConfig* out);
// The folder part of a path ("." for a bare name).
std::string folder_of(const std::string& path);

}  // namespace sidecar::config_detail
