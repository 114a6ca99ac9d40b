// embind glue for the SDS engine (sds::ReliabilityManager): converts between
// JS values and the engine's types. No protocol logic lives here.
//
//   const made = core.ReliabilityManager.create('alice', {resendIntervalMs: 5000});
//   if (!made.ok) console.log(made.error.kind, made.error.message);
//   const rm = made.value;  // or: new core.ReliabilityManager('alice', config)
//   const sent = rm.wrap('channel', bytes, 'message-1', Date.now());
//   const received = rm.unwrap(sent.value, Date.now());
//   for (const event of rm.takeEvents()) { ... }
//   rm.delete();  // embind objects are freed explicitly
//   core.contentMessageId(bytes)  // {ok, value: hex SHA-256}: @waku/sds's message id
//   // (payloads over 1 MiB are MessageTooLarge: no message could carry them)
//
// Results. Every method that can fail returns {ok: true, value} |
// {ok: false, error: {kind, message}}, `kind` being sds::ErrorKindName. Bad
// input, wrong JS types included, gives an InvalidArgument result and never
// throws. The exception is `new ReliabilityManager(...)`: a constructor
// cannot return a result, so it throws an Error carrying `kind` (and leaks a
// few JS handles doing so); ReliabilityManager.create returns a result instead.
//
// Times are JS numbers of milliseconds, safe integers, injected by the caller:
// the engine never reads a clock.
//
// Events. The engine calls nothing back: it queues events and takeEvents()
// drains them, in the order they happened. Callbacks in JS therefore mean:
// call takeEvents() after every call that can queue events (wrap, unwrap,
// markDependenciesMet, tick) and dispatch what it returns; the TypeScript
// facade does that and turns them into EventTarget events. An event is a plain
// object {type, channelId, ...} with only the fields meaningful for its type
// (EventFields() below).
//
// The retrieval hint provider is the one JS function the engine calls, and it
// calls it synchronously (from wrap, wrapSync and tick) with a message id. A
// provider that throws, or returns anything but a Uint8Array, gives no hint: a
// JS exception must not unwind through the engine's frames, which would skip
// their destructors. While the provider runs, the manager's methods refuse to
// work (InvalidArgument): the engine is in the middle of an operation.
#include <emscripten/bind.h>
#include <emscripten/em_js.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "js_convert.h"
#include "sds_convert.h"
#include "sds/bytes.h"
#include "sds/config.h"
#include "sds/dialect.h"
#include "sds/error.h"
#include "sds/event.h"
#include "sds/message.h"
#include "sds/reliability_manager.h"
#include "sds/sha256.h"

namespace js_convert {

template <>
val ErrorToJs(const sds::Error& error) {
  val object = val::object();
  object.set("kind", std::string(sds::ErrorKindName(error.kind)));
  object.set("message", error.message);
  return object;
}

}  // namespace js_convert

using emscripten::EM_VAL;

// provider(messageId) when that returns a Uint8Array, else undefined; a throw
// is caught here, before it reaches the C++ frames below.
EM_JS(EM_VAL, sds_call_hint_provider, (EM_VAL provider, EM_VAL message_id), {
  let hint;
  try {
    hint = Emval.toValue(provider)(Emval.toValue(message_id));
  } catch (error) {
    hint = undefined;
  }
  return Emval.toHandle(hint instanceof Uint8Array ? hint : undefined);
});
EM_JS_DEPS(sds_bindings, "$Emval");

namespace sds::bindings {
namespace {

using emscripten::val;
using js_convert::BytesFromJs;
using js_convert::BytesToJs;
using js_convert::Failure;
using js_convert::StatusToJs;
using js_convert::Success;
using js_convert::ToJs;

// JS values, each registered below under the TypeScript type that
// --emit-tsd prints for it.
EMSCRIPTEN_DECLARE_VAL_TYPE(JsString)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsTime)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsBytes)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsStrings)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsConfig)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsHintProvider)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsStatus)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsBytesResult)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsSyncResult)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsUnwrapResult)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsCreateResult)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsEvents)
EMSCRIPTEN_DECLARE_VAL_TYPE(JsStringResult)

template <class JsType>
JsType Refused(const ArgReader& args) {
  return JsType(Failure(args.error()));
}

// ---- Names and TypeScript types --------------------------------------------

constexpr Dialect kDialects[] = {Dialect::kNim, Dialect::kSpec};
constexpr MessageKind kMessageKinds[] = {MessageKind::kContent, MessageKind::kSync,
                                         MessageKind::kEphemeral};

std::string_view MessageKindName(MessageKind kind) {
  switch (kind) {
    case MessageKind::kContent: return "content";
    case MessageKind::kSync: return "sync";
    case MessageKind::kEphemeral: return "ephemeral";
  }
  return "content";
}

// 'a' | 'b' | ...
template <class Names>
std::string LiteralUnionTs(const Names& names) {
  std::string ts;
  for (std::string_view name : names) {
    if (!ts.empty()) ts += " | ";
    ts += "'" + std::string(name) + "'";
  }
  return ts;
}

std::string DialectTs() {
  std::vector<std::string_view> names;
  for (Dialect dialect : kDialects) names.push_back(DialectName(dialect));
  return LiteralUnionTs(names);
}

std::string MessageKindTs() {
  std::vector<std::string_view> names;
  for (MessageKind kind : kMessageKinds) names.push_back(MessageKindName(kind));
  return LiteralUnionTs(names);
}

// The kinds, in order, up to the first value the name function does not know.
template <class Kind>
std::vector<std::string_view> KindNames(std::string_view (*name_of)(Kind),
                                        std::string_view unknown) {
  std::vector<std::string_view> names;
  for (int i = 0; i < 64 && name_of(static_cast<Kind>(i)) != unknown; ++i) {
    names.push_back(name_of(static_cast<Kind>(i)));
  }
  return names;
}

std::string ErrorTs() {
  return "{kind: " + LiteralUnionTs(KindNames<ErrorKind>(&ErrorKindName, "Unknown")) +
         ", message: string}";
}

std::string ResultTs(std::string_view value_ts) {
  return "{ok: true, value: " + std::string(value_ts) + "} | {ok: false, error: " + ErrorTs() + "}";
}

constexpr std::string_view kHistoryEntriesTs =
    "Array<{messageId: string, retrievalHint: Uint8Array, senderId: string}>";

std::string UnwrapResultTs() {
  return "{channelId: string, messageId: string, kind: " + MessageKindTs() +
         ", dialect: " + DialectTs() + ", duplicate: boolean, content: Uint8Array, missing: " +
         std::string(kHistoryEntriesTs) + "}";
}

// ---- Config ----------------------------------------------------------------

// One optional field of the JS config object: its name, its TypeScript type
// and how it is read into Config.
struct ConfigField {
  std::string_view name;
  std::string (*ts_type)();
  void (*read)(ArgReader& args, const val& value, const std::string& name, Config& config);
};

std::string NumberTs() { return "number"; }
std::string BooleanTs() { return "boolean"; }

template <auto Member>
void ReadInteger(ArgReader& args, const val& value, const std::string& name, Config& config) {
  using T = std::remove_cvref_t<decltype(config.*Member)>;
  config.*Member = args.Integer<T>(value, name);
}

void ReadErrorRate(ArgReader& args, const val& value, const std::string& name, Config& config) {
  config.bloom_filter_error_rate = args.Number(value, name);
}

void ReadContentAddressedIds(ArgReader& args, const val& value, const std::string& name,
                             Config& config) {
  config.content_addressed_ids = args.Boolean(value, name);
}

void ReadDialect(ArgReader& args, const val& value, const std::string& name, Config& config) {
  std::string text = args.String(value, name);
  for (Dialect dialect : kDialects) {
    if (text == DialectName(dialect)) {
      config.dialect = dialect;
      return;
    }
  }
  args.Fail(name + " must be one of " + DialectTs());
}

constexpr ConfigField kConfigFields[] = {
    {"bloomFilterCapacity", &NumberTs, &ReadInteger<&Config::bloom_filter_capacity>},
    {"bloomFilterErrorRate", &NumberTs, &ReadErrorRate},
    {"maxMessageHistory", &NumberTs, &ReadInteger<&Config::max_message_history>},
    {"maxCausalHistory", &NumberTs, &ReadInteger<&Config::max_causal_history>},
    {"resendIntervalMs", &NumberTs, &ReadInteger<&Config::resend_interval_ms>},
    {"maxResendAttempts", &NumberTs, &ReadInteger<&Config::max_resend_attempts>},
    {"syncMessageIntervalMs", &NumberTs, &ReadInteger<&Config::sync_message_interval_ms>},
    {"bufferSweepIntervalMs", &NumberTs, &ReadInteger<&Config::buffer_sweep_interval_ms>},
    {"repairTMinMs", &NumberTs, &ReadInteger<&Config::repair_t_min_ms>},
    {"repairTMaxMs", &NumberTs, &ReadInteger<&Config::repair_t_max_ms>},
    {"numResponseGroups", &NumberTs, &ReadInteger<&Config::num_response_groups>},
    {"maxRepairRequests", &NumberTs, &ReadInteger<&Config::max_repair_requests>},
    {"repairSweepIntervalMs", &NumberTs, &ReadInteger<&Config::repair_sweep_interval_ms>},
    {"dialect", &DialectTs, &ReadDialect},
    {"contentAddressedIds", &BooleanTs, &ReadContentAddressedIds},
    {"possibleAcksThreshold", &NumberTs, &ReadInteger<&Config::possible_acks_threshold>},
    {"incomingBufferTimeoutMs", &NumberTs, &ReadInteger<&Config::incoming_buffer_timeout_ms>},
    {"maxIncomingBuffer", &NumberTs, &ReadInteger<&Config::max_incoming_buffer>},
    {"maxOutgoingBuffer", &NumberTs, &ReadInteger<&Config::max_outgoing_buffer>},
    {"maxRepairBuffer", &NumberTs, &ReadInteger<&Config::max_repair_buffer>},
};

}  // namespace

// undefined and null mean the defaults, and so does a field set to undefined.
Config ConfigFromJs(ArgReader& args, const val& object) {
  Config config;
  if (object.isUndefined() || object.isNull()) return config;
  if (object.typeOf().as<std::string>() != "object" || object.isArray()) {
    args.Fail("config must be an object");
    return config;
  }
  val keys = val::global("Object").call<val>("keys", object);
  const auto count = keys["length"].as<unsigned>();
  for (unsigned i = 0; i < count; ++i) {
    const std::string key = keys[i].as<std::string>();
    val value = object[key];
    if (value.isUndefined()) continue;
    const ConfigField* field = nullptr;
    for (const ConfigField& candidate : kConfigFields) {
      if (candidate.name == key) field = &candidate;
    }
    if (field == nullptr) {
      args.Fail("unknown config field: " + key);
      return config;
    }
    field->read(args, value, "config." + key, config);
  }
  return config;
}

namespace {

std::string ConfigTs() {
  std::string ts = "{";
  for (const ConfigField& field : kConfigFields) {
    if (ts.size() > 1) ts += ", ";
    ts += std::string(field.name) + "?: " + field.ts_type();
  }
  return ts + "} | null";
}

// ---- Results and events ----------------------------------------------------

val EntriesToJs(const std::vector<HistoryEntry>& entries) {
  val array = val::array();
  for (const HistoryEntry& entry : entries) {
    val object = val::object();
    object.set("messageId", entry.message_id);
    object.set("retrievalHint", BytesToJs(entry.retrieval_hint));
    object.set("senderId", entry.sender_id);
    array.call<void>("push", object);
  }
  return array;
}

}  // namespace

val UnwrapResultToJs(const UnwrapResult& result) {
  val object = val::object();
  object.set("channelId", result.channel_id);
  object.set("messageId", result.message_id);
  object.set("kind", std::string(MessageKindName(result.kind)));
  object.set("dialect", std::string(DialectName(result.dialect)));
  object.set("duplicate", result.duplicate);
  object.set("content", BytesToJs(result.content));
  object.set("missing", EntriesToJs(result.missing));
  return object;
}

namespace {

val OptionalBytesToJs(const std::optional<Bytes>& bytes) {
  return bytes ? BytesToJs(*bytes) : val::null();
}

// The optional Event fields, in the order they appear on a JS event.
enum EventField : unsigned {
  kMessageIdField = 1u << 0,
  kSenderIdField = 1u << 1,
  kLamportField = 1u << 2,
  kContentField = 1u << 3,
  kEntriesField = 1u << 4,
  kBytesField = 1u << 5,
  kCountField = 1u << 6,
};

// The fields meaningful for each kind, as sds/event.h documents them.
unsigned EventFields(EventKind kind) {
  switch (kind) {
    case EventKind::kDelivered:
      return kMessageIdField | kSenderIdField | kLamportField | kContentField;
    case EventKind::kAcknowledged: return kMessageIdField;
    case EventKind::kPossiblyAcknowledged: return kMessageIdField | kCountField;
    case EventKind::kResend: return kMessageIdField | kBytesField | kCountField;
    case EventKind::kExpired: return kMessageIdField;
    case EventKind::kMissing: return kMessageIdField | kEntriesField;
    case EventKind::kIrretrievablyLost: return kMessageIdField | kEntriesField;
    case EventKind::kRepairReady: return kMessageIdField | kBytesField;
    case EventKind::kSyncReady: return kBytesField;
    case EventKind::kBufferFull: return kMessageIdField;
  }
  return kMessageIdField;
}

struct EventFieldSpec {
  EventField field;
  const char* name;
  std::string_view ts_type;
  val (*to_js)(const Event& event);
};

// Lamports are JS numbers: exact up to Number.MAX_SAFE_INTEGER (lamports are
// millisecond clocks), rounded beyond.
constexpr EventFieldSpec kEventFields[] = {
    {kMessageIdField, "messageId", "string", [](const Event& e) { return val(e.message_id); }},
    {kSenderIdField, "senderId", "string", [](const Event& e) { return val(e.sender_id); }},
    {kLamportField, "lamport", "number",
     [](const Event& e) { return val(static_cast<double>(e.lamport)); }},
    {kContentField, "content", "Uint8Array", [](const Event& e) { return BytesToJs(e.content); }},
    {kEntriesField, "entries", kHistoryEntriesTs,
     [](const Event& e) { return EntriesToJs(e.entries); }},
    {kBytesField, "bytes", "Uint8Array", [](const Event& e) { return BytesToJs(e.bytes); }},
    {kCountField, "count", "number", [](const Event& e) { return val(e.count); }},
};

}  // namespace

val EventToJs(const Event& event) {
  val object = val::object();
  object.set("type", std::string(EventKindName(event.kind)));
  object.set("channelId", event.channel_id);
  const unsigned fields = EventFields(event.kind);
  for (const EventFieldSpec& spec : kEventFields) {
    if ((fields & spec.field) != 0) object.set(spec.name, spec.to_js(event));
  }
  return object;
}

namespace {

// A union discriminated by `type`, one line per event type.
std::string EventsTs() {
  std::string ts = "Array<";
  for (int i = 0; i < 64; ++i) {
    const auto kind = static_cast<EventKind>(i);
    const std::string_view name = EventKindName(kind);
    if (name == "unknown") break;
    ts += "\n    | {type: '" + std::string(name) + "', channelId: string";
    for (const EventFieldSpec& spec : kEventFields) {
      if ((EventFields(kind) & spec.field) == 0) continue;
      ts += ", " + std::string(spec.name) + ": " + std::string(spec.ts_type);
    }
    ts += "}";
  }
  return ts + "\n  >";
}

// ---- The manager -----------------------------------------------------------

// The JS-facing manager. Owns the engine (without persistence); every method
// converts its arguments, forwards, and converts the result.
class JsReliabilityManager {
 public:
  JsReliabilityManager(ParticipantId participant_id, Config config)
      : engine_(std::move(participant_id), std::move(config)) {}

  static Result<std::unique_ptr<JsReliabilityManager>> Make(const val& participant_id,
                                                            const val& config) {
    ArgReader args(false);
    std::string id = args.String(participant_id, "participantId");
    Config parsed = ConfigFromJs(args, config);
    if (!args.ok()) return std::unexpected(args.error());
    if (Status valid = ValidateConfig(parsed); !valid) return std::unexpected(valid.error());
    return std::make_unique<JsReliabilityManager>(std::move(id), std::move(parsed));
  }

  static JsCreateResult Create(JsString participant_id, std::optional<JsConfig> config) {
    Result<std::unique_ptr<JsReliabilityManager>> made =
        Make(participant_id, config.value_or(JsConfig(val::undefined())));
    if (!made) return JsCreateResult(Failure(made.error()));
    return JsCreateResult(Success(val(std::move(*made))));
  }

  static std::unique_ptr<JsReliabilityManager> New(JsString participant_id,
                                                   std::optional<JsConfig> config) {
    val exception = val::undefined();
    {
      Result<std::unique_ptr<JsReliabilityManager>> made =
          Make(participant_id, config.value_or(JsConfig(val::undefined())));
      if (made) return std::move(*made);
      exception = val::global("Error").new_(val(made.error().ToString()));
      exception.set("kind", std::string(ErrorKindName(made.error().kind)));
    }
    // Only JS handles are live here: unwinding skips no C++ heap memory.
    exception.throw_();
  }

  static std::unique_ptr<JsReliabilityManager> NewWithDefaults(JsString participant_id) {
    return New(std::move(participant_id), std::nullopt);
  }

  JsStatus EnsureChannel(JsString channel_id) {
    ArgReader args = Args();
    std::string channel = args.String(channel_id, "channelId");
    if (!args.ok()) return Refused<JsStatus>(args);
    return JsStatus(StatusToJs(engine_.EnsureChannel(channel)));
  }

  JsStatus RemoveChannel(JsString channel_id) {
    ArgReader args = Args();
    std::string channel = args.String(channel_id, "channelId");
    if (!args.ok()) return Refused<JsStatus>(args);
    return JsStatus(StatusToJs(engine_.RemoveChannel(channel)));
  }

  JsStatus Reset() {
    ArgReader args = Args();
    if (!args.ok()) return Refused<JsStatus>(args);
    return JsStatus(StatusToJs(engine_.Reset()));
  }

  bool HasChannel(JsString channel_id) const {
    return channel_id.isString() && engine_.HasChannel(channel_id.as<std::string>());
  }

  JsBytesResult Wrap(JsString channel_id, JsBytes content, JsString message_id, JsTime now_ms) {
    ArgReader args = Args();
    std::string channel = args.String(channel_id, "channelId");
    Bytes bytes = args.Content(content, "content");
    std::string id = args.String(message_id, "messageId");
    std::int64_t now = args.Time(now_ms, "nowMs");
    if (!args.ok()) return Refused<JsBytesResult>(args);
    return JsBytesResult(ToJs(engine_.Wrap(channel, bytes, id, now), BytesToJs));
  }

  JsBytesResult WrapEphemeral(JsString channel_id, JsBytes content, JsString message_id) {
    ArgReader args = Args();
    std::string channel = args.String(channel_id, "channelId");
    Bytes bytes = args.Content(content, "content");
    std::string id = args.String(message_id, "messageId");
    if (!args.ok()) return Refused<JsBytesResult>(args);
    return JsBytesResult(ToJs(engine_.WrapEphemeral(channel, bytes, id), BytesToJs));
  }

  JsSyncResult WrapSync(JsString channel_id, JsTime now_ms) {
    ArgReader args = Args();
    std::string channel = args.String(channel_id, "channelId");
    std::int64_t now = args.Time(now_ms, "nowMs");
    if (!args.ok()) return Refused<JsSyncResult>(args);
    return JsSyncResult(ToJs(engine_.WrapSync(channel, now), OptionalBytesToJs));
  }

  JsUnwrapResult Unwrap(JsBytes message, JsTime now_ms) {
    ArgReader args = Args();
    Bytes bytes = args.WireMessage(message, "bytes");
    std::int64_t now = args.Time(now_ms, "nowMs");
    if (!args.ok()) return Refused<JsUnwrapResult>(args);
    return JsUnwrapResult(ToJs(engine_.Unwrap(bytes, now), UnwrapResultToJs));
  }

  JsStatus MarkDependenciesMet(JsString channel_id, JsStrings message_ids, JsTime now_ms) {
    ArgReader args = Args();
    std::string channel = args.String(channel_id, "channelId");
    std::vector<MessageId> ids = args.Strings(message_ids, "messageIds");
    std::int64_t now = args.Time(now_ms, "nowMs");
    if (!args.ok()) return Refused<JsStatus>(args);
    return JsStatus(StatusToJs(engine_.MarkDependenciesMet(channel, ids, now)));
  }

  JsStatus Tick(JsTime now_ms) {
    ArgReader args = Args();
    std::int64_t now = args.Time(now_ms, "nowMs");
    if (!args.ok()) return Refused<JsStatus>(args);
    return JsStatus(StatusToJs(engine_.Tick(now)));
  }

  // null or undefined removes the provider.
  JsStatus SetRetrievalHintProvider(JsHintProvider provider) {
    ArgReader args = Args();
    const bool remove = provider.isNull() || provider.isUndefined();
    if (!remove && provider.typeOf().as<std::string>() != "function") {
      args.Fail("provider must be a function or null");
    }
    if (!args.ok()) return Refused<JsStatus>(args);
    if (remove) {
      engine_.SetRetrievalHintProvider(nullptr);
    } else {
      engine_.SetRetrievalHintProvider([this, function = val(provider)](const MessageId& id) {
        return CallHintProvider(function, id);
      });
    }
    return JsStatus(Success());
  }

  JsEvents TakeEvents() {
    val events = val::array();
    for (const Event& event : engine_.TakeEvents()) events.call<void>("push", EventToJs(event));
    return JsEvents(events);
  }

 private:
  ArgReader Args() const { return ArgReader(in_hint_provider_); }

  Bytes CallHintProvider(const val& provider, const MessageId& id) {
    in_hint_provider_ = true;
    const val message_id(id);
    val hint =
        val::take_ownership(sds_call_hint_provider(provider.as_handle(), message_id.as_handle()));
    in_hint_provider_ = false;
    return hint.isUndefined() ? Bytes() : BytesFromJs(hint);
  }

  ReliabilityManager engine_;
  bool in_hint_provider_ = false;
};

// The id @waku/sds gives `payload` (lowercase hex SHA-256), which a manager
// with contentAddressedIds uses too.
JsStringResult ContentMessageIdJs(JsBytes payload) {
  ArgReader args(false);
  Bytes bytes = args.Content(payload, "payload");
  if (!args.ok()) return Refused<JsStringResult>(args);
  return JsStringResult(Success(val(ContentMessageId(bytes))));
}

}  // namespace

EMSCRIPTEN_BINDINGS(sds) {
  // The TypeScript types of the JS values the methods take and return.
  emscripten::register_type<JsString>("string");
  emscripten::register_type<JsTime>("number");
  emscripten::register_type<JsBytes>("Uint8Array");
  emscripten::register_type<JsStrings>("string[]");
  emscripten::register_type<JsConfig>(ConfigTs().c_str());
  emscripten::register_optional<JsConfig>();
  emscripten::register_type<JsHintProvider>(
      "((messageId: string) => Uint8Array | null | undefined) | null");
  emscripten::register_type<JsStatus>(ResultTs("undefined").c_str());
  emscripten::register_type<JsBytesResult>(ResultTs("Uint8Array").c_str());
  emscripten::register_type<JsSyncResult>(ResultTs("Uint8Array | null").c_str());
  emscripten::register_type<JsUnwrapResult>(ResultTs(UnwrapResultTs()).c_str());
  emscripten::register_type<JsCreateResult>(ResultTs("ReliabilityManager").c_str());
  emscripten::register_type<JsEvents>(EventsTs().c_str());
  emscripten::register_type<JsStringResult>(ResultTs("string").c_str());

  emscripten::function("contentMessageId(payload)", &ContentMessageIdJs);

  emscripten::class_<JsReliabilityManager>("ReliabilityManager")
      .constructor(&JsReliabilityManager::NewWithDefaults)
      .constructor(&JsReliabilityManager::New)
      .class_function("create(participantId, config)", &JsReliabilityManager::Create)
      .function("ensureChannel(channelId)", &JsReliabilityManager::EnsureChannel)
      .function("removeChannel(channelId)", &JsReliabilityManager::RemoveChannel)
      .function("reset()", &JsReliabilityManager::Reset)
      .function("hasChannel(channelId)", &JsReliabilityManager::HasChannel)
      .function("wrap(channelId, content, messageId, nowMs)", &JsReliabilityManager::Wrap)
      .function("wrapEphemeral(channelId, content, messageId)",
                &JsReliabilityManager::WrapEphemeral)
      .function("wrapSync(channelId, nowMs)", &JsReliabilityManager::WrapSync)
      .function("unwrap(bytes, nowMs)", &JsReliabilityManager::Unwrap)
      .function("markDependenciesMet(channelId, messageIds, nowMs)",
                &JsReliabilityManager::MarkDependenciesMet)
      .function("tick(nowMs)", &JsReliabilityManager::Tick)
      .function("setRetrievalHintProvider(provider)",
                &JsReliabilityManager::SetRetrievalHintProvider)
      .function("takeEvents()", &JsReliabilityManager::TakeEvents);
}

}  // namespace sds::bindings
