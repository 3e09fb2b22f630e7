package dev.noodle.nodes.library;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Picks the proxy for model downloads the way command-line tools do: Java's own settings
 * ({@code -Dhttps.proxyHost}, {@code -Dhttp.proxyHost}, {@code -Dhttp.nonProxyHosts}, {@code
 * -Djava.net.useSystemProxies}) when given, else the {@code https_proxy}/{@code HTTPS_PROXY}, {@code
 * http_proxy}/{@code HTTP_PROXY} and {@code all_proxy} environment variables with {@code no_proxy}/{@code
 * NO_PROXY} exceptions, else a direct connection. Immutable and thread-safe.
 */
public final class ProxySettings {
    private ProxySettings() {}

    /** The proxy selector for these environment variables and system properties. */
    public static ProxySelector selector(Map<String, String> env, Properties props) {
        if (props.getProperty("https.proxyHost") != null || props.getProperty("http.proxyHost") != null
                || Boolean.parseBoolean(props.getProperty("java.net.useSystemProxies"))) {
            return ProxySelector.getDefault();
        }
        String https = first(env, "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY");
        String http = first(env, "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY");
        if (https == null && http == null) {
            return ProxySelector.getDefault() == null ? new EnvSelector(null, null, List.of())
                    : ProxySelector.getDefault();
        }
        String noProxy = first(env, "no_proxy", "NO_PROXY");
        return new EnvSelector(address(https, "https_proxy"), address(http, "http_proxy"), exceptions(noProxy));
    }

    private static String first(Map<String, String> env, String... names) {
        for (String n : names) {
            String v = env.get(n);
            if (v != null && !v.isBlank()) {
                return v.strip();
            }
        }
        return null;
    }

    /** {@code [http://][user:pass@]host[:port][/]}; the port defaults to 80 as curl's does. */
    static InetSocketAddress address(String value, String variable) {
        if (value == null) {
            return null;
        }
        String v = value.contains("://") ? value : "http://" + value;
        URI uri;
        try {
            uri = URI.create(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(variable + "='" + value + "' is not a proxy address"
                    + " (expected http://HOST:PORT)");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(variable + "='" + value + "' is not a proxy address"
                    + " (expected http://HOST:PORT)");
        }
        return InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort());
    }

    private static List<String> exceptions(String noProxy) {
        List<String> out = new ArrayList<>();
        if (noProxy != null) {
            for (String e : noProxy.split("[,\\s]+")) {
                if (!e.isBlank()) {
                    out.add(e.strip().toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }

    /** A no_proxy entry matches the host itself and, as in curl, its subdomains; {@code *} matches every host. */
    static boolean bypassed(String host, int port, List<String> noProxy) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String e : noProxy) {
            String entry = e;
            int colon = entry.lastIndexOf(':');
            if (colon > 0 && !entry.contains("]") && entry.indexOf(':') == colon) {
                if (!entry.substring(colon + 1).equals(Integer.toString(port))) {
                    continue;
                }
                entry = entry.substring(0, colon);
            }
            if (entry.equals("*")) {
                return true;
            }
            String domain = entry.startsWith("*.") ? entry.substring(2) : entry.startsWith(".")
                    ? entry.substring(1) : entry;
            if (h.equals(domain) || h.endsWith("." + domain)) {
                return true;
            }
        }
        return false;
    }

    /** The selector built from environment variables. */
    static final class EnvSelector extends ProxySelector {
        private final InetSocketAddress https;
        private final InetSocketAddress http;
        private final List<String> noProxy;

        EnvSelector(InetSocketAddress https, InetSocketAddress http, List<String> noProxy) {
            this.https = https;
            this.http = http;
            this.noProxy = List.copyOf(noProxy);
        }

        @Override
        public List<Proxy> select(URI uri) {
            InetSocketAddress proxy = "https".equalsIgnoreCase(uri.getScheme()) ? https : http;
            if (proxy == null || uri.getHost() == null
                    || bypassed(uri.getHost(), ModelLinks.port(uri), noProxy)) {
                return List.of(Proxy.NO_PROXY);
            }
            return List.of(new Proxy(Proxy.Type.HTTP, proxy));
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
            // the download reports the failure itself, naming the proxy
        }

        @Override
        public String toString() {
            return "proxy https=" + https + " http=" + http + " no_proxy=" + noProxy;
        }
    }
}
