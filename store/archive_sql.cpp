#include "store/archive_sql.hpp"

#include <chrono>
#include <cstdint>

#include "muc/mam_store.hpp"

namespace stoa::store {

ReadSlot::ReadSlot(std::shared_ptr<std::atomic<unsigned>> in_flight, unsigned max) {
  unsigned now = in_flight->load(std::memory_order_relaxed);
  do {
    if (now >= max) {
      throw muc::ArchiveBusy(std::to_string(max) + " archive queries are already under way");
    }
  } while (!in_flight->compare_exchange_weak(now, now + 1, std::memory_order_relaxed));
  in_flight_ = std::move(in_flight);
}

ReadSlot::~ReadSlot() {
  if (in_flight_) {
    in_flight_->fetch_sub(1, std::memory_order_relaxed);
  }
}

muc::Timestamp read_micros(const pqxx::field& field) {
  return muc::Timestamp(std::chrono::microseconds(field.as<std::int64_t>()));
}

std::string SqlConditions::param(std::string value) {
  params_.push_back(std::move(value));
  return "$" + std::to_string(params_.size());
}

void SqlConditions::add(const std::string& condition) {
  sql_ += sql_.empty() ? "" : " AND ";
  sql_ += condition;
}

void SqlConditions::after(const ArchivePosition& position) {
  const std::string at = param(position.at) + "::timestamptz";
  add("at >= " + at + " AND (at, seq) > (" + at + ", " + param(position.seq) + "::bigint)");
}

void SqlConditions::before(const ArchivePosition& position) {
  const std::string at = param(position.at) + "::timestamptz";
  add("at <= " + at + " AND (at, seq) < (" + at + ", " + param(position.seq) + "::bigint)");
}

void SqlConditions::fulltext(std::string text) {
  // 'simple', as the column body_words is made (migration 0007): no stemming, any language.
  add("body_words @@ websearch_to_tsquery('simple', " + param(std::move(text)) + ")");
}

pqxx::result SqlConditions::exec(pqxx::work& tx, const std::string& sql) const {
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params_));
}

}  // namespace stoa::store
