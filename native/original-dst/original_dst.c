/*
 * plexus_original_dst: reads the destination a TCP connection had before an iptables
 * REDIRECT rewrote it (Linux conntrack's SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST).
 *
 * JavaScript API: originalDestination(fd: number) -> { address: string, port: number, family: 4 | 6 }
 * Throws an Error with `code` set to the errno name (ENOENT: the connection was not
 * redirected, so conntrack has no original tuple; EBADF: not an open descriptor; ...).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <node_api.h>

/* Both come from the kernel's netfilter uapi headers; they are defined here so the addon
 * builds without linux-libc-dev (the value is the same for both families). */
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

static const char *errno_code(int err) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EINVAL: return "EINVAL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return "EIO";
  }
}

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_throw_error(env, errno_code(err), message);
  return NULL;
}

static napi_value make_result(napi_env env, const char *address, unsigned port, int family) {
  napi_value result, js_address, js_port, js_family;
  if (napi_create_object(env, &result) != napi_ok) return NULL;
  napi_create_string_utf8(env, address, NAPI_AUTO_LENGTH, &js_address);
  napi_create_uint32(env, port, &js_port);
  napi_create_uint32(env, (uint32_t)family, &js_family);
  napi_set_named_property(env, result, "address", js_address);
  napi_set_named_property(env, result, "port", js_port);
  napi_set_named_property(env, result, "family", js_family);
  return result;
}

/* IPv4 conntrack lookup; works on AF_INET sockets and on AF_INET6 sockets carrying
 * IPv4-mapped traffic (a dual-stack listener). */
static int original_ipv4(int fd, char *out, size_t out_len, unsigned *port) {
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  memset(&addr, 0, sizeof addr);
  if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &addr, &len) != 0) return errno;
  if (inet_ntop(AF_INET, &addr.sin_addr, out, (socklen_t)out_len) == NULL) return errno;
  *port = ntohs(addr.sin_port);
  return 0;
}

static int original_ipv6(int fd, char *out, size_t out_len, unsigned *port) {
  struct sockaddr_in6 addr;
  socklen_t len = sizeof addr;
  memset(&addr, 0, sizeof addr);
  if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &addr, &len) != 0) return errno;
  if (inet_ntop(AF_INET6, &addr.sin6_addr, out, (socklen_t)out_len) == NULL) return errno;
  *port = ntohs(addr.sin6_port);
  return 0;
}

static napi_value original_destination(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "originalDestination(fd): fd must be a non-negative integer");
    return NULL;
  }

  /* The socket's own family decides which table to ask: conntrack keeps IPv4 and IPv6
   * tuples apart, and an IPv4-mapped peer on an AF_INET6 socket is tracked as IPv4. */
  struct sockaddr_storage local;
  socklen_t local_len = sizeof local;
  memset(&local, 0, sizeof local);
  if (getsockname(fd, (struct sockaddr *)&local, &local_len) != 0) {
    return throw_errno(env, errno, "getsockname");
  }

  char address[INET6_ADDRSTRLEN];
  unsigned port = 0;
  int err;
  if (local.ss_family == AF_INET) {
    err = original_ipv4(fd, address, sizeof address, &port);
    if (err != 0) return throw_errno(env, err, "getsockopt(SO_ORIGINAL_DST)");
    return make_result(env, address, port, 4);
  }
  if (local.ss_family == AF_INET6) {
    struct sockaddr_in6 *local6 = (struct sockaddr_in6 *)&local;
    if (IN6_IS_ADDR_V4MAPPED(&local6->sin6_addr)) {
      err = original_ipv4(fd, address, sizeof address, &port);
      if (err != 0) return throw_errno(env, err, "getsockopt(SO_ORIGINAL_DST)");
      return make_result(env, address, port, 4);
    }
    err = original_ipv6(fd, address, sizeof address, &port);
    if (err != 0) return throw_errno(env, err, "getsockopt(IP6T_SO_ORIGINAL_DST)");
    return make_result(env, address, port, 6);
  }
  return throw_errno(env, EAFNOSUPPORT, "originalDestination");
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "originalDestination", NAPI_AUTO_LENGTH, original_destination, NULL, &fn) != napi_ok) {
    return NULL;
  }
  napi_set_named_property(env, exports, "originalDestination", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
