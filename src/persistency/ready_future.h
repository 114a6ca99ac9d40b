// A future that already holds its value, for answers known without queueing.
#pragma once

#include <future>
#include <utility>

namespace persistency {

template <class T>
std::future<T> ReadyFuture(T value) {
  std::promise<T> promise;
  promise.set_value(std::move(value));
  return promise.get_future();
}

}  // namespace persistency
