// embind glue for reliable channels: one SDS channel whose state lives in a
// job's database, next to the job's rows. A job's worker opens a host per
// channel over the job's own store (the database's only connection), so every
// engine step commits through channels::ChannelStore in one transaction on
// that connection. No protocol logic lives here.
//
//   const opened = core.ChannelHost.open(store, 'room', 'alice', {dialect: 'spec'});
//   const host = opened.value;
//   host.send(content, 'message-1', Date.now());    // {ok, value: bytes}
//   host.sendEphemeral(content, 'message-2');       // {ok, value: bytes}, nothing stored
//   host.receive(bytes, Date.now());                // {ok, value: unwrap result}
//   host.markDependenciesMet(['message-0'], Date.now());
//   host.tick(Date.now());
//   for (const event of host.takeEvents()) { ... }  // as ReliabilityManager's, delivered + seq
//   host.log(afterSeq, limit);  // {ok, value: [{messageId, senderId, lamport, content, seq}]}
//   host.pending();             // {ok, value: unacknowledged own ids, in send order}
//   host.remove();                                  // drops the channel's rows
//   host.delete();                                  // frees the host (before the store)
//   core.messageChannelId(bytes)                    // {ok, value: channel id}
//
// Results, events, config objects and times are those of sds_bindings.cc.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "channels/channel_store.h"
#include "channels/store_kv.h"
#include "js_convert.h"
#include "js_store.h"
#include "sds/dialect.h"
#include "sds/reliability_manager.h"
#include "sds_convert.h"

namespace sds::bindings {
namespace {

using emscripten::val;
using js_convert::BytesToJs;
using js_convert::Failure;
using js_convert::StatusToJs;
using js_convert::Success;
using js_convert::ToJs;

// A manager for one channel, persisted in the store it was opened over. Not
// movable: the engine points at the ChannelStore next to it.
class JsChannelHost {
 public:
  JsChannelHost(std::shared_ptr<persistency::SqliteStore> store, ChannelId channel,
                ParticipantId participant_id, Config config)
      : store_(std::move(store)),
        persistence_(std::make_unique<channels::StoreKv>(*store_)),
        engine_(std::move(participant_id), std::move(config), &persistence_),
        channel_(std::move(channel)) {}
  JsChannelHost(const JsChannelHost&) = delete;
  JsChannelHost& operator=(const JsChannelHost&) = delete;

  // Restores the channel's persisted state (or starts it empty).
  static val Open(const persistency::bindings::JsStore& store, const val& channel_id,
                  const val& participant_id, const val& config) {
    ArgReader args(false);
    std::string channel = args.String(channel_id, "channelId");
    std::string participant = args.String(participant_id, "participantId");
    Config parsed = ConfigFromJs(args, config);
    if (!args.ok()) return Failure(args.error());
    if (Status valid = ValidateConfig(parsed); !valid) return Failure(valid.error());
    auto host = std::make_unique<JsChannelHost>(store.store(), std::move(channel),
                                                std::move(participant), std::move(parsed));
    if (Status loaded = host->engine_.EnsureChannel(host->channel_); !loaded) {
      return Failure(loaded.error());
    }
    return Success(val(std::move(host)));
  }

  val Send(const val& content, const val& message_id, const val& now_ms) {
    ArgReader args(false);
    Bytes bytes = args.Content(content, "payload");
    std::string id = args.String(message_id, "messageId");
    std::int64_t now = args.Time(now_ms, "nowMs");
    if (!args.ok()) return Failure(args.error());
    return ToJs(engine_.Wrap(channel_, bytes, id, now), BytesToJs);
  }

  // No lamport, history or bloom: never stored, resent or acknowledged.
  val SendEphemeral(const val& content, const val& message_id) {
    ArgReader args(false);
    Bytes bytes = args.Content(content, "payload");
    std::string id = args.String(message_id, "messageId");
    if (!args.ok()) return Failure(args.error());
    return ToJs(engine_.WrapEphemeral(channel_, bytes, id), BytesToJs);
  }

  val Receive(const val& message, const val& now_ms) {
    ArgReader args(false);
    Bytes bytes = args.WireMessage(message, "bytes");
    std::int64_t now = args.Time(now_ms, "nowMs");
    if (!args.ok()) return Failure(args.error());
    return ToJs(engine_.Unwrap(bytes, now), UnwrapResultToJs);
  }

  val MarkDependenciesMet(const val& message_ids, const val& now_ms) {
    ArgReader args(false);
    std::vector<MessageId> ids = args.Strings(message_ids, "messageIds");
    std::int64_t now = args.Time(now_ms, "nowMs");
    if (!args.ok()) return Failure(args.error());
    return StatusToJs(engine_.MarkDependenciesMet(channel_, ids, now));
  }

  val Tick(const val& now_ms) {
    ArgReader args(false);
    std::int64_t now = args.Time(now_ms, "nowMs");
    if (!args.ok()) return Failure(args.error());
    return StatusToJs(engine_.Tick(now));
  }

  // The engine's events; a delivered one also carries its log seq (see Log).
  val TakeEvents() {
    val events = val::array();
    for (const Event& event : engine_.TakeEvents()) {
      val object = EventToJs(event);
      if (event.kind == EventKind::kDelivered) object.set("seq", static_cast<double>(event.seq));
      events.call<void>("push", object);
    }
    return events;
  }

  // The logged messages (delivered and own) with a seq above `after_seq`,
  // oldest first, at most `limit`.
  val Log(const val& after_seq, const val& limit) const {
    ArgReader args(false);
    const auto after = args.Integer<std::uint64_t>(after_seq, "after");
    const auto count = args.Integer<std::uint64_t>(limit, "limit");
    if (!args.ok()) return Failure(args.error());
    const Channel* channel = engine_.FindChannel(channel_);
    if (channel == nullptr) return Failure(InvalidArgument("channel " + channel_ + " was removed"));
    const auto capped = static_cast<std::size_t>(std::min<std::uint64_t>(count, SIZE_MAX));
    val entries = val::array();
    for (const LoggedMessage& logged : channel->LoggedAfter(after, capped)) {
      val entry = val::object();
      entry.set("messageId", logged.message.message_id);
      entry.set("senderId", logged.message.sender_id);
      entry.set("lamport", static_cast<double>(logged.message.lamport_timestamp.value_or(0)));
      entry.set("content", BytesToJs(logged.message.content));
      entry.set("seq", static_cast<double>(logged.seq));
      entries.call<void>("push", entry);
    }
    return Success(entries);
  }

  // The own messages not yet acknowledged (nor expired), in send order.
  val Pending() const {
    const Channel* channel = engine_.FindChannel(channel_);
    if (channel == nullptr) return Failure(InvalidArgument("channel " + channel_ + " was removed"));
    val ids = val::array();
    for (const MessageId& id : channel->OutgoingIds()) ids.call<void>("push", val(id));
    return Success(ids);
  }

  // Drops the channel's state, in memory and in the database.
  val Remove() { return StatusToJs(engine_.RemoveChannel(channel_)); }

 private:
  std::shared_ptr<persistency::SqliteStore> store_;
  channels::ChannelStore persistence_;
  ReliabilityManager engine_;
  ChannelId channel_;
};

// The channel a serialized message (either dialect) belongs to.
val MessageChannelIdJs(const val& message) {
  ArgReader args(false);
  Bytes bytes = args.WireMessage(message, "bytes");
  if (!args.ok()) return Failure(args.error());
  Result<Dialect> dialect = DetectDialect(bytes);
  if (!dialect) return Failure(dialect.error());
  return ToJs(PeekChannelId(bytes, *dialect), [](const std::string& id) { return val(id); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(channels) {
  emscripten::class_<JsChannelHost>("ChannelHost")
      .class_function("open", &JsChannelHost::Open)
      .function("send", &JsChannelHost::Send)
      .function("sendEphemeral", &JsChannelHost::SendEphemeral)
      .function("receive", &JsChannelHost::Receive)
      .function("markDependenciesMet", &JsChannelHost::MarkDependenciesMet)
      .function("tick", &JsChannelHost::Tick)
      .function("takeEvents", &JsChannelHost::TakeEvents)
      .function("log", &JsChannelHost::Log)
      .function("pending", &JsChannelHost::Pending)
      .function("remove", &JsChannelHost::Remove);
  emscripten::function("messageChannelId", &MessageChannelIdJs);
}

}  // namespace sds::bindings
