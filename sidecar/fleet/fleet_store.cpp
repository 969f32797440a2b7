#include "sidecar/fleet/fleet_store.hpp"

#include "sidecar/lib/clock.hpp"
#include "sidecar/lib/log.hpp"

namespace sidecar {

namespace asio = boost::asio;
using asio::awaitable;
using Target = etcd::Txn::Target;
using Op = etcd::Txn::Op;

namespace {

FleetOutcome failed(std::string message) {
  return {FleetOutcome::Kind::error, std::move(message)};
}

// The budget key as the decision saw it: unchanged since, or the txn does nothing.
etcd::Txn budget_unchanged(const std::string& prefix, std::int64_t revision) {
  etcd::Txn txn;
  txn.compare(fleet::budget_key(prefix), Target::mod, Op::equal, revision);
  return txn;
}

// One attempt of a decision's transaction: true when etcd applied it; false on a conflict (the
// compare failed: read again and decide again) or an error. An error may hide an applied txn (an
// answer lost on the way back): the next read tells, and finds the change already made if it was.
awaitable<bool> applied(etcd::Client& client, const etcd::Txn& txn) {
  auto r = co_await client.txn(txn);
  if (auto e = etcd::error_of(r)) {
    log::warning("fleet_txn", {{"detail", *e}});
    co_return false;
  }
  co_return std::get<etcd::TxnAnswer>(r).succeeded;
}

std::string conflict_message(const char* what) {
  return std::string(what) + ": the fleet's budget kept changing under " +
         std::to_string(fleet::kMaxTxnAttempts) + " attempts in a row; try again";
}

}  // namespace

awaitable<FleetRead> read_fleet(etcd::Client& client, const std::string& prefix, bool log_skipped) {
  FleetRead out;
  auto dir = fleet::normalized_prefix(prefix) + "/";
  auto range = co_await client.range(dir, true);
  if (auto e = etcd::error_of(range)) {
    out.error = *e;
    co_return out;
  }
  auto& answer = std::get<etcd::RangeAnswer>(range);
  if (answer.more) {
    out.error = "the fleet's prefix holds more keys than one answer carries";
    co_return out;
  }
  std::vector<fleet::RawKv> kvs;
  kvs.reserve(answer.kvs.size());
  for (auto& kv : answer.kvs) {
    kvs.push_back({std::move(kv.key), std::move(kv.value), kv.mod_revision});
    if (fleet::parse_key(prefix, kvs.back().key).kind == fleet::KeyKind::floor) {
      out.floors[kvs.back().key] = kvs.back();
    }
  }
  auto records = fleet::read_records(prefix, kvs);
  for (const auto& s : records.skipped) {
    if (log_skipped) log::warning("fleet_record_skipped", {{"detail", s}});
  }
  out.view = fleet::fleet_view(records);
  out.revision = answer.revision;
  co_return out;
}

awaitable<FleetOutcome> take_slot(etcd::Client& client, const FleetConfig& fleet,
                                  const std::string& reason) {
  for (int attempt = 0; attempt < fleet::kMaxTxnAttempts; ++attempt) {
    auto read = co_await read_fleet(client, fleet.prefix);
    if (!read.view) co_return failed(read.error);
    fleet::SlotRequest req{fleet.node, reason, unix_now(), fleet.max_unavailable};
    auto d = fleet::decide_slot(*read.view, req);
    switch (d.kind) {
      case fleet::SlotDecision::Kind::already_held:
        co_return FleetOutcome{FleetOutcome::Kind::already, d.message};
      case fleet::SlotDecision::Kind::refused:
        co_return FleetOutcome{FleetOutcome::Kind::refused, d.message};
      case fleet::SlotDecision::Kind::unreadable:
        co_return failed(d.message);
      case fleet::SlotDecision::Kind::granted:
        break;
    }
    auto txn = budget_unchanged(fleet.prefix, d.compare_revision);
    txn.put(true, fleet::budget_key(fleet.prefix), fleet::render(d.budget));
    if (co_await applied(client, txn)) co_return FleetOutcome{FleetOutcome::Kind::done, d.message};
  }
  co_return failed(conflict_message("maintenance on"));
}

awaitable<FleetOutcome> release_slot(etcd::Client& client, const std::string& prefix,
                                     const std::string& node) {
  for (int attempt = 0; attempt < fleet::kMaxTxnAttempts; ++attempt) {
    auto read = co_await read_fleet(client, prefix);
    if (!read.view) co_return failed(read.error);
    auto d = fleet::decide_release(*read.view, node, unix_now());
    if (d.kind == fleet::ReleaseDecision::Kind::not_held) {
      co_return FleetOutcome{FleetOutcome::Kind::not_found, d.message};
    }
    if (d.kind == fleet::ReleaseDecision::Kind::unreadable) co_return failed(d.message);
    auto txn = budget_unchanged(prefix, d.compare_revision);
    txn.put(true, fleet::budget_key(prefix), fleet::render(d.budget));
    if (co_await applied(client, txn)) co_return FleetOutcome{FleetOutcome::Kind::done, d.message};
  }
  co_return failed(conflict_message("release"));
}

awaitable<FleetOutcome> forget_member(etcd::Client& client, const std::string& prefix,
                                      const std::string& node) {
  for (int attempt = 0; attempt < fleet::kMaxTxnAttempts; ++attempt) {
    auto read = co_await read_fleet(client, prefix);
    if (!read.view) co_return failed(read.error);
    auto d = fleet::decide_forget(*read.view, node, unix_now());
    switch (d.kind) {
      case fleet::ForgetDecision::Kind::not_member:
        co_return FleetOutcome{FleetOutcome::Kind::not_found, d.message};
      case fleet::ForgetDecision::Kind::present:
        co_return FleetOutcome{FleetOutcome::Kind::refused, d.message};
      case fleet::ForgetDecision::Kind::unreadable:
        co_return failed(d.message);
      case fleet::ForgetDecision::Kind::forget:
        break;
    }
    // The budget is compared only when it is rewritten (the node held a slot).
    auto txn = d.write_budget ? budget_unchanged(prefix, d.compare_revision) : etcd::Txn();
    // Still gone: a node that came back meanwhile would be counted again at once.
    txn.compare(fleet::presence_key(prefix, node), Target::create, Op::equal, 0);
    if (d.delete_member) txn.del(true, fleet::member_key(prefix, node));
    if (d.write_budget) txn.put(true, fleet::budget_key(prefix), fleet::render(d.budget));
    if (co_await applied(client, txn)) co_return FleetOutcome{FleetOutcome::Kind::done, d.message};
  }
  co_return failed(conflict_message("forget"));
}

awaitable<FloorOutcome> settle_floor(etcd::Client& client, const std::string& prefix,
                                     const fleet::FloorRequest& request) {
  const auto key = fleet::floor_key(prefix, request.route_prefix);
  for (int attempt = 0; attempt < fleet::kMaxTxnAttempts; ++attempt) {
    auto read = co_await read_fleet(client, prefix, false);
    if (!read.view) co_return FloorOutcome{std::nullopt, read.error};
    auto it = read.floors.find(key);
    auto kv = it == read.floors.end() ? std::nullopt : std::optional<fleet::RawKv>(it->second);
    auto d = fleet::decide_floor(*read.view, kv, request);
    if (!d.write) co_return FloorOutcome{std::move(d), {}};
    etcd::Txn txn;
    txn.compare(key, Target::mod, Op::equal, d.compare_revision);
    txn.put(true, key, fleet::render(d.record));
    if (co_await applied(client, txn)) co_return FloorOutcome{std::move(d), {}};
    log::info("floor_retry", {{"prefix", request.route_prefix},
                              {"detail",
                               "the floor record changed since it was read (another "
                               "node decided at the same time): deciding again"}});
  }
  co_return FloorOutcome{std::nullopt,
                         "the floor record of " + request.route_prefix + " kept changing under " +
                             std::to_string(fleet::kMaxTxnAttempts) + " attempts in a row"};
}

awaitable<FleetOutcome> join_fleet(etcd::Client& client, const std::string& prefix,
                                   const fleet::MemberRecord& member) {
  auto key = fleet::member_key(prefix, member.node);
  etcd::Txn txn;
  txn.compare(key, Target::create, Op::equal, 0);
  txn.put(true, key, fleet::render(member));
  auto r = co_await client.txn(txn);
  if (auto e = etcd::error_of(r)) co_return failed(*e);
  if (std::get<etcd::TxnAnswer>(r).succeeded) {
    co_return FleetOutcome{FleetOutcome::Kind::done, member.node + " joined the fleet"};
  }
  co_return FleetOutcome{FleetOutcome::Kind::already, member.node + " is a member already"};
}

}  // namespace sidecar
