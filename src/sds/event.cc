#include "sds/event.h"

namespace sds {

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kDelivered: return "delivered";
    case EventKind::kAcknowledged: return "acknowledged";
    case EventKind::kPossiblyAcknowledged: return "possiblyAcknowledged";
    case EventKind::kResend: return "resend";
    case EventKind::kExpired: return "expired";
    case EventKind::kMissing: return "missing";
    case EventKind::kIrretrievablyLost: return "irretrievablyLost";
    case EventKind::kRepairReady: return "repairReady";
    case EventKind::kSyncReady: return "syncReady";
    case EventKind::kBufferFull: return "bufferFull";
  }
  return "unknown";
}

}  // namespace sds
