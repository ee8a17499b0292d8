// samples/cppcount/guest.cpp - a C++ guest on Debian's libc++ for wasm32
// (packages libc++-dev-wasm32, wasi-libc), reactor model, built with
//     clang++ --target=wasm32-wasi --sysroot=/usr -fno-exceptions -O2 -c
//     clang++ --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor
// -fno-exceptions because wasm2c would need wasm exceptions for C++ throw
// (and libc++ for wasm32 is built without them).
//
// It uses what C++ programs use: std::string, std::map, std::vector, a
// global object with a constructor (run by _initialize) and std::cerr
// (iostreams, so WASI fd_write & co. are imported).
//
// Behaviour:
//  - _initialize (the global Registry's constructor): sets cpp/ready = "yes";
//  - on-set: std::cerr << "cppcount: KEY"; counts the key's events in a
//    std::map kept in guest memory and stores cpp/KEY = "COUNT:V1|V2|..."
//    with the values of that key seen by this instance, in order;
//  - on-delete: stores cpp/keys = the keys of the map, sorted, joined by ",".
#define KV_SCHEME_LEGACY
#define KV_WITH_LIBC
#include "kvguest.h"

#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

struct Registry {
    std::map<std::string, std::vector<std::string>> seen;
    Registry()
    {
        kv_bucket b = kv_open("cpp");
        kv_put_str(b, "ready", "yes");
        kv_drop_bucket(b);
    }
};

Registry registry;

std::string take_key(const char *key, size_t len)
{
    std::string s(key, len);
    free(const_cast<char *>(key));
    return s;
}

std::string read_value(kv_incoming_value iv)
{
    kv_ret_list r;
    kv_incoming_value_consume_sync(iv, &r);
    if (r.is_err) {
        kv_drop_error(r.u.err);
        return std::string();
    }
    std::string v(reinterpret_cast<const char *>(r.u.ok.ptr), r.u.ok.len);
    free(r.u.ok.ptr);
    return v;
}

void put(const std::string &key, const std::string &value)
{
    kv_bucket b = kv_open("cpp");
    kv_put(b, key.data(), key.size(), value.data(), value.size(), nullptr);
    kv_drop_bucket(b);
}

} // namespace

KV_ON_SET void on_set(kv_bucket, const char *key, size_t key_len, kv_incoming_value iv)
{
    std::string k = take_key(key, key_len);
    std::cerr << "cppcount: " << k << std::endl;
    std::vector<std::string> &vals = registry.seen[k];
    vals.push_back(read_value(iv));
    std::string out = std::to_string(vals.size()) + ":";
    for (size_t i = 0; i < vals.size(); i++)
        out += (i ? "|" : "") + vals[i];
    put(k, out);
}

KV_ON_DELETE void on_delete(kv_bucket, const char *key, size_t key_len)
{
    take_key(key, key_len);
    std::string keys;
    for (const auto &kv : registry.seen)
        keys += (keys.empty() ? "" : ",") + kv.first;
    put("keys", keys);
}
