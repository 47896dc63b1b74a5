// Typed shims over libcurl's variadic curl_easy_setopt / curl_multi_setopt, which Swift cannot call.
#ifndef VOICE_BRIDGE_CCURL_SHIM_H
#define VOICE_BRIDGE_CCURL_SHIM_H

#include <curl/curl.h>

static inline CURLcode vb_curl_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode vb_curl_easy_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode vb_curl_easy_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode vb_curl_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode vb_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode vb_curl_multi_setopt_ptr(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }

// Callbacks: a function pointer is not a data pointer, so each kind gets its own typed setter.
typedef size_t (*vb_curl_write_callback)(char *data, size_t size, size_t count, void *userdata);
static inline CURLcode vb_curl_easy_setopt_write_function(CURL *h, vb_curl_write_callback f) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f);
}
static inline CURLcode vb_curl_easy_setopt_header_function(CURL *h, vb_curl_write_callback f) {
    return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f);
}
static inline CURLMcode vb_curl_multi_setopt_socket_function(CURLM *m, curl_socket_callback f) {
    return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, f);
}
static inline CURLMcode vb_curl_multi_setopt_timer_function(CURLM *m, curl_multi_timer_callback f) {
    return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, f);
}

#endif
