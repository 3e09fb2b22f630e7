package dev.noodle.app.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Decides whether a request may reach the API: refuses cross-origin requests (a web page on another site posting
 * to this server through the user's browser) and, when bound to loopback, Host names other than loopback ones (DNS
 * rebinding). Stateless and thread-safe.
 *
 * <p>ComfyUI's {@code create_origin_only_middleware} compares the Origin and Host headers the same way; Noodle also
 * refuses {@code Origin: null} (sandboxed frames, file:// pages) and checks the Host name.
 */
final class RequestGuard {
    private final boolean loopbackOnly;

    RequestGuard(boolean loopbackOnly) {
        this.loopbackOnly = loopbackOnly;
    }

    /** Why the request is refused, or null when it may pass. */
    String refusal(String originHeader, String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank()) {
            return "missing Host header";
        }
        Authority host = Authority.parse(hostHeader.trim());
        if (host == null) {
            return "malformed Host header";
        }
        if (loopbackOnly && !isLoopbackName(host.name())) {
            return "Host '" + hostHeader + "' is not a loopback name; this server only answers local requests";
        }
        if (originHeader == null) {
            return null; // not a browser cross-site request (curl, scripts, same-origin GETs)
        }
        String origin = originHeader.trim();
        if (origin.equalsIgnoreCase("null")) {
            return "Origin 'null' (sandboxed or file page) is not allowed";
        }
        Authority from;
        try {
            URI uri = new URI(origin);
            if (uri.getHost() == null || uri.getScheme() == null) {
                return "malformed Origin header";
            }
            String hostPart = uri.getHost();
            from = new Authority(hostPart.toLowerCase(Locale.ROOT), uri.getPort());
        } catch (URISyntaxException e) {
            return "malformed Origin header";
        }
        boolean samePort = from.port() < 0 || host.port() < 0 || from.port() == host.port();
        if (!from.name().equals(host.name()) || !samePort) {
            return "cross-origin request from " + origin + " to " + hostHeader + " refused";
        }
        return null;
    }

    /** True for localhost and loopback literals (127.0.0.0/8, ::1). */
    static boolean isLoopbackName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("[") && n.endsWith("]")) {
            n = n.substring(1, n.length() - 1);
        }
        return n.equals("localhost") || n.endsWith(".localhost") || n.equals("::1") || n.equals("0:0:0:0:0:0:0:1")
                || n.matches("127(\\.\\d{1,3}){3}");
    }

    /** A host name (lower case, IPv6 in brackets) and port (-1 when absent). */
    record Authority(String name, int port) {
        static Authority parse(String text) {
            String t = text.toLowerCase(Locale.ROOT);
            String name = t;
            int port = -1;
            if (t.startsWith("[")) {
                int end = t.indexOf(']');
                if (end < 0) {
                    return null;
                }
                name = t.substring(0, end + 1);
                String rest = t.substring(end + 1);
                if (rest.startsWith(":")) {
                    port = parsePort(rest.substring(1));
                    if (port < 0) {
                        return null;
                    }
                } else if (!rest.isEmpty()) {
                    return null;
                }
            } else {
                int colon = t.lastIndexOf(':');
                if (colon >= 0) {
                    name = t.substring(0, colon);
                    port = parsePort(t.substring(colon + 1));
                    if (port < 0) {
                        return null;
                    }
                }
            }
            return name.isEmpty() ? null : new Authority(name, port);
        }

        private static int parsePort(String s) {
            if (!s.matches("\\d{1,5}")) {
                return -1;
            }
            int p = Integer.parseInt(s);
            return p <= 65535 ? p : -1;
        }
    }
}
